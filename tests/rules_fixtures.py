"""Rule sets and sessions for the pure evaluator's tests, built by hand (no database).

The rule sets restate DOMAIN.md's numbers with the dataclasses of `procedures.rules.checks`,
the way `procedures/migrations/0005_seed_rule_sets.py` seeds them: "12 months" is 365 days
and "6 months" 183. Keeping them independent of the migration means a wrong seed and a
wrong rule cannot hide each other.
"""

from __future__ import annotations

import datetime as dt

from procedures.rules import (
    FacetPathway,
    Facts,
    FrequencyLimitRule,
    LevelLimitRule,
    MinimumIntervalRule,
    OneRegionPerSessionRule,
    PsychEval,
    Request,
    ResponseRule,
    RuleSetSpec,
    ScsPathway,
    Session,
    State,
    evaluate,
)
from procedures.rules.evaluate import Decision
from procedures.rules.facts import FollowUp
from procedures.rules.stages import DIAGNOSTIC, THERAPEUTIC, Stage
from procedures.rules.steps import DiagnosticStepRule

ESI = frozenset({"ESI_IL", "ESI_TF", "ESI_CAUDAL"})
FACET_DIAGNOSTIC = frozenset({"MBB", "FACET_IA"})
# The catalog's `counts_as_regions` (seeded for the caudal epidural only).
COUNTS_AS_REGIONS = {"ESI_CAUDAL": ("lumbar", "sacral")}

YEAR = 365
HALF_YEAR = 183
QUARTER = 90
TWELVE_WEEKS = 84
SIX_WEEKS = 42


def _common(block_min_relief: int, rfa_lasting: int) -> tuple:
    """The rules every set shares: sessions, the pathways, SI joint and trigger points."""
    facet = FacetPathway(
        f"Two diagnostic blocks with at least {block_min_relief}% relief before ablation",
        blocks=frozenset({"MBB"}),
        ablation="RFA",
        blocks_required=2,
        block_min_relief=block_min_relief,
        repeat_min_relief=50,
        repeat_min_days=HALF_YEAR,
        repeat_relief_days=rfa_lasting,
    )
    return (
        FrequencyLimitRule(
            "Radiofrequency ablation: 2 per region per 12 months",
            frozenset({"RFA"}),
            "region",
            2,
            YEAR,
        ),
        FrequencyLimitRule(
            "Sacroiliac joint injections: 4 per 12 months, both sides together",
            frozenset({"SI_JOINT"}),
            "region",
            4,
            YEAR,
        ),
        FrequencyLimitRule(
            "Diagnostic sacroiliac blocks: 2 per 12 months, both sides together",
            frozenset({"SI_DIAG"}),
            "region",
            2,
            YEAR,
        ),
        FrequencyLimitRule(
            "Trigger point injections: 3 per 12 months", frozenset({"TPI"}), "patient", 3, YEAR
        ),
        DiagnosticStepRule(
            "A sacroiliac joint injection needs a diagnostic block there with at least 75% relief",
            frozenset({"SI_JOINT"}),
            frozenset({"SI_DIAG", "SI_JOINT"}),
            75,
        ),
        ResponseRule(
            "A repeat sacroiliac joint injection needs at least 50% relief lasting 3 months",
            frozenset({"SI_JOINT"}),
            "side",
            50,
            YEAR,
            QUARTER,
        ),
        ResponseRule(
            "A repeat of trigger point injections needs at least 50% relief lasting 6 weeks",
            frozenset({"TPI"}),
            "patient",
            50,
            YEAR,
            SIX_WEEKS,
        ),
        LevelLimitRule(
            "Facet blocks and injections: at most 2 levels a session", FACET_DIAGNOSTIC, 2, True
        ),
        LevelLimitRule(
            "Radiofrequency ablation: at most 2 levels a session", frozenset({"RFA"}), 2, True
        ),
        LevelLimitRule(
            "Transforaminal epidural: at most 2 levels a session",
            frozenset({"ESI_TF"}),
            2,
            True,
            ESI,
        ),
        LevelLimitRule(
            "Interlaminar epidural: one level, one side", frozenset({"ESI_IL"}), 1, False, ESI
        ),
        LevelLimitRule(
            "Caudal epidural: one level, one side", frozenset({"ESI_CAUDAL"}), 1, False, ESI
        ),
        OneRegionPerSessionRule("Epidural steroid injections: one region a session", ESI),
        facet,
        ScsPathway(
            "Psych clearance before a trial; a trial with at least 50% relief before implant",
            trial="SCS_TRIAL",
            implant="SCS_IMPLANT",
            psych_valid_days=YEAR,
            trial_days=7,
            trial_min_relief=50,
        ),
    )


def rule_set(code: str, *, block_min_relief: int, rfa_lasting: int = HALF_YEAR) -> RuleSetSpec:
    """DOMAIN.md's default rules; payer variants differ only in what they pass here."""
    return RuleSetSpec(
        code=code,
        name=code,
        rules=(
            FrequencyLimitRule(
                "Diagnostic facet sessions: 4 per region per 12 months",
                FACET_DIAGNOSTIC,
                "region",
                4,
                YEAR,
            ),
            FrequencyLimitRule(
                "Epidural steroid injections: 3 per region per 6 months",
                ESI,
                "region",
                3,
                HALF_YEAR,
            ),
            FrequencyLimitRule(
                "Epidural steroid injections: 4 per region per 12 months", ESI, "region", 4, YEAR
            ),
            MinimumIntervalRule(
                "Epidural steroid injections at least 14 days apart per region", ESI, "region", 14
            ),
            ResponseRule(
                "A repeat epidural needs at least 50% relief lasting 14 days",
                ESI,
                "region",
                50,
                YEAR,
                14,
            ),
            *_common(block_min_relief, rfa_lasting),
        ),
    )


def medicare() -> RuleSetSpec:
    """DOMAIN.md's `medicare` set: no 3-per-6-months ESI cap and no 14-day spacing, relief
    lasting 3 months for a repeat epidural, diagnostic and therapeutic facet injections
    counted apart, and a repeat therapeutic facet injection on relief lasting 3 months."""
    stages = {kind: Stage(kind, frozenset({"MBB"}), 2, 80) for kind in (DIAGNOSTIC, THERAPEUTIC)}
    return RuleSetSpec(
        code="medicare",
        name="medicare",
        rules=(
            FrequencyLimitRule(
                "Diagnostic facet sessions: 4 per region per 12 months",
                FACET_DIAGNOSTIC,
                "region",
                4,
                YEAR,
                stages[DIAGNOSTIC],
            ),
            FrequencyLimitRule(
                "Therapeutic facet joint injections: 4 per region per 12 months",
                frozenset({"FACET_IA"}),
                "region",
                4,
                YEAR,
                stages[THERAPEUTIC],
            ),
            FrequencyLimitRule(
                "Epidural steroid injections: 4 per region per 12 months", ESI, "region", 4, YEAR
            ),
            ResponseRule(
                "A repeat epidural needs at least 50% relief lasting 3 months",
                ESI,
                "region",
                50,
                YEAR,
                QUARTER,
            ),
            ResponseRule(
                "A repeat therapeutic facet joint injection needs at least 50% relief lasting "
                "3 months",
                frozenset({"FACET_IA"}),
                "side",
                50,
                YEAR,
                QUARTER,
                stages[THERAPEUTIC],
            ),
            *_common(80, HALF_YEAR),
        ),
    )


DEFAULT = rule_set("default", block_min_relief=80)
EVICORE = rule_set("evicore", block_min_relief=80, rfa_lasting=TWELVE_WEEKS)
COMMERCIAL = rule_set("commercial", block_min_relief=50)
MEDICARE = medicare()
# The default set's frequency limits alone: counting windows judged without other rules.
LIMITS = RuleSetSpec(
    "limits", "limits", tuple(r for r in DEFAULT.rules if isinstance(r, FrequencyLimitRule))
)
RULE_SETS = {spec.code: spec for spec in (DEFAULT, EVICORE, COMMERCIAL, MEDICARE, LIMITS)}


def day(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def done(
    procedure: str,
    region: str,
    side: str,
    on: str | dt.date,
    relief: int | None = None,
    *,
    recorded_on: str | dt.date | None = None,
    levels: tuple[str, ...] = (),
    follow_ups: tuple[tuple[str | dt.date, int], ...] = (),
    lasted: int | None = None,
    lasting: bool = True,
) -> Session:
    """A performed session (here or elsewhere), with its relief if recorded.

    `follow_ups` are (date, relief) assessed later; `lasted` is a history entry's duration.
    A session given good relief (50% or more, what every repeat rule asks) and neither is
    taken to have kept it (`lasting`): a follow-up a year later showing the same relief, so
    that tests about other rules need not prove it.
    """
    if relief is not None and relief >= 50 and lasting and not follow_ups and lasted is None:
        follow_ups = ((day(on) + dt.timedelta(days=YEAR), relief),)
    return Session(
        procedure,
        region,
        side,
        day(on),
        State.DONE,
        relief,
        day(recorded_on) if recorded_on is not None else None,
        COUNTS_AS_REGIONS.get(procedure, ()),
        levels=levels,
        follow_ups=tuple(FollowUp(day(d), r) for d, r in follow_ups),
        relief_days=lasted,
    )


def booked(
    procedure: str, region: str, side: str, on: str | dt.date, levels: tuple[str, ...] = ()
) -> Session:
    """A scheduled session, not done yet (so no relief)."""
    return Session(
        procedure,
        region,
        side,
        day(on),
        State.BOOKED,
        counts_as_regions=COUNTS_AS_REGIONS.get(procedure, ()),
        levels=levels,
    )


def psych(on: str | dt.date, cleared: bool = True) -> PsychEval:
    return PsychEval(day(on), cleared)


def ask(
    procedure: str, region: str, side: str, on: str | dt.date, levels: tuple[str, ...] = ()
) -> Request:
    return Request(
        procedure, region, side, day(on), COUNTS_AS_REGIONS.get(procedure, ()), levels=levels
    )


def judge(
    history: tuple[Session, ...] | list[Session],
    request: Request,
    rule_set_code: str = "default",
    *,
    evaluations: tuple[PsychEval, ...] | list[PsychEval] = (),
    today: str | dt.date | None = None,
) -> Decision:
    """Evaluate as of `today` (the request's date unless given)."""
    return evaluate(
        Facts(tuple(history), tuple(evaluations)),
        request,
        RULE_SETS[rule_set_code],
        day(today) if today is not None else request.on,
    )
