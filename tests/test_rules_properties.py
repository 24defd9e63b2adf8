"""Properties of the pure evaluator over generated histories (hypothesis, no database).

A situation is a request and a history drawn mostly from the request's family of procedures
(facet, epidural, SI joint, TPI, SCS, or all), three regions in two region groups, three
sides, a few spinal levels (or none) and dates over about three years, clustered in the year
before the request and on its very day, so that limits, spacing, sessions and pathways meet
often. Done sessions carry a relief (or none yet); booked ones never do. `today` is
near the request's date, and histories may hold done sessions after it (history entered
late, a past date asked about), which the properties must survive too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from procedures.rules import Decision, Facts, PsychEval, Request, Session, evaluate
from tests.rules_fixtures import COUNTS_AS_REGIONS, RULE_SETS, booked, done

START = dt.date(2026, 1, 1)
SPAN_DAYS = 3 * 365
ONE_DAY = dt.timedelta(days=1)

PROCEDURES = [
    "MBB",
    "FACET_IA",
    "RFA",
    "ESI_IL",
    "ESI_TF",
    "ESI_CAUDAL",
    "SI_DIAG",
    "SI_JOINT",
    "TPI",
    "SCS_TRIAL",
    "SCS_IMPLANT",
    "KYPHOPLASTY",  # no rule of its own
]
REGIONS = ["lumbar", "sacral", "cervical"]
# A few levels of each region's group; a session draws none (older rows), one, two or three.
LEVELS_OF = {
    "lumbar": ["L3-L4", "L4-L5", "L5-S1"],
    "sacral": ["L4-L5", "L5-S1", "S1"],
    "cervical": ["C5-C6", "C6-C7"],
}
SIDES = ["left", "right", "bilateral"]
# Codes about an earlier stage that is missing, unrecorded or poor: another session can cure them.
EARLIER_STAGE = {
    "pathway_incomplete",
    "outcome_pending",
    "insufficient_response",
    "psych_evaluation_required",
}

FAMILIES = [
    ["MBB", "FACET_IA", "RFA"],
    ["ESI_IL", "ESI_TF", "ESI_CAUDAL"],
    ["SI_DIAG", "SI_JOINT"],
    ["TPI"],
    ["SCS_TRIAL", "SCS_IMPLANT"],
    PROCEDURES,
]

days_in_range = st.integers(0, SPAN_DAYS)
# Around the thresholds, often: 49/50 and 79/80 are where the rules change their answer.
reliefs = st.one_of(st.none(), st.integers(0, 100), st.sampled_from([49, 50, 79, 80, 90]))


def on_day(n: int) -> dt.date:
    return START + dt.timedelta(days=min(max(n, 0), SPAN_DAYS))


def levels_in(region: str) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(LEVELS_OF[region]), max_size=3, unique=True).map(tuple)


@st.composite
def sessions(draw: st.DrawFn, family: list[str], near: int) -> Session:
    """A done (relief or not yet) or booked session, mostly within a year or so of `near`."""
    procedure = draw(st.sampled_from(family))
    region = draw(st.sampled_from(REGIONS))
    side = draw(st.sampled_from(SIDES))
    # The request's own day too: same-day cases are one session.
    on = on_day(draw(st.one_of(st.integers(near - 400, near + 200), days_in_range, st.just(near))))
    levels = draw(levels_in(region))
    if draw(st.booleans()):
        return booked(procedure, region, side, on, levels)
    relief = draw(reliefs)
    recorded_on = None
    if relief is not None and draw(st.booleans()):
        recorded_on = on + dt.timedelta(days=draw(st.integers(0, 10)))
    # How long relief lasted: kept, not known yet, follow-ups around the rules' days (14,
    # 42, 84, 90, 183), or a history entry's duration.
    proof = draw(st.sampled_from(["kept", "unknown", "follow_ups", "lasted"]))
    follow_ups: tuple[tuple[dt.date, int], ...] = ()
    lasted = None
    if proof == "follow_ups":
        after = st.one_of(st.integers(0, 200), st.sampled_from([13, 14, 41, 42, 83, 84, 89, 90]))
        follow_ups = tuple(
            (on + dt.timedelta(days=d), r)
            for d, r in draw(st.lists(st.tuples(after, st.integers(0, 100)), max_size=2))
        )
    elif proof == "lasted":
        lasted = draw(st.one_of(st.integers(0, 400), st.sampled_from([13, 14, 89, 90, 182, 183])))
    return done(
        procedure,
        region,
        side,
        on,
        relief,
        recorded_on=recorded_on,
        levels=levels,
        follow_ups=follow_ups,
        lasted=lasted,
        lasting=proof == "kept",
    )


@dataclass(frozen=True)
class Situation:
    facts: Facts
    request: Request
    today: dt.date
    rule_set: str
    family: tuple[str, ...]


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    """A request and a history of mostly the same family of procedures, so rules meet often."""
    family = draw(st.sampled_from(FAMILIES))
    near = draw(days_in_range)
    region = draw(st.sampled_from(REGIONS))
    procedure = draw(st.sampled_from(family))
    request = Request(
        procedure,
        region,
        draw(st.sampled_from(SIDES)),
        on_day(near),
        COUNTS_AS_REGIONS.get(procedure, ()),
        levels=draw(levels_in(region)),
    )
    history = draw(st.lists(sessions(family, near), max_size=10))
    evaluations = draw(
        st.lists(
            st.builds(PsychEval, st.integers(near - 500, near).map(on_day), st.booleans()),
            max_size=2,
        )
    )
    return Situation(
        Facts(tuple(history), tuple(evaluations)),
        request,
        on_day(draw(st.integers(near - 60, near + 60))),
        draw(st.sampled_from(sorted(RULE_SETS))),
        tuple(family),
    )


def judge(
    situation: Situation, request: Request | None = None, facts: Facts | None = None
) -> Decision:
    """The situation's decision, or that of another request or history as of the same day."""
    return evaluate(
        situation.facts if facts is None else facts,
        situation.request if request is None else request,
        RULE_SETS[situation.rule_set],
        situation.today,
    )


@settings(deadline=None)
@given(situations())
def test_eligible_from_is_the_first_allowed_day(situation: Situation) -> None:
    decision = judge(situation)
    if decision.allowed or decision.eligible_from is None:
        return
    request, cured = situation.request, decision.eligible_from

    assert judge(situation, request.moved_to(cured)).allowed
    if cured > request.on:
        assert not judge(situation, request.moved_to(cured - ONE_DAY)).allowed


@settings(deadline=None)
@given(situations(), st.data())
def test_another_session_never_lifts_a_limit_or_a_spacing(
    situation: Situation, data: st.DataObject
) -> None:
    before = judge(situation)
    if before.allowed:
        return
    near = (situation.request.on - START).days
    extra = data.draw(sessions(list(situation.family), near), label="extra")

    after = judge(situation, facts=situation.facts.with_sessions([extra]))

    if after.allowed:
        assert {v.code for v in before.violations} <= EARLIER_STAGE, before.violations


@settings(deadline=None)
@given(situations())
def test_dates_are_ordered(situation: Situation) -> None:
    decision = judge(situation)

    if decision.allowed:
        assert decision.eligible_from == situation.request.on
        assert decision.violations == ()
        return
    own = [v.eligible_from for v in decision.violations]
    assert all(d is None or d >= situation.request.on for d in own)
    if decision.eligible_from is not None:
        # The day every violation is cured cures each one, so none may say waiting never helps.
        assert all(d is not None and d <= decision.eligible_from for d in own)


@settings(deadline=None)
@given(situations())
def test_never_raises(situation: Situation) -> None:
    decision = judge(situation)

    assert decision.allowed == (not decision.violations)
    for violation in decision.violations:
        assert violation.code and violation.detail


@settings(deadline=None)
@given(situations())
def test_relief_still_to_be_proved_names_its_day_and_no_waiting_cures_it(
    situation: Situation,
) -> None:
    decision = judge(situation)

    for violation in decision.violations:
        if violation.proof_due is not None:
            assert violation.code == "outcome_pending"
            assert violation.eligible_from is None
            assert decision.eligible_from is None
