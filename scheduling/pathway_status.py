"""Where a patient stands on each pathway, per region and side, in sentences a scheduler reads.

"Lumbar right: first block 85% on 3 Nov; next: second block, from today". The stages and
next steps come from the evaluator booking uses: `procedures.rules.pathways.pathways()` finds
the pathways the patient has started and the next step of each; every next step is then
judged once more by `judge`, which on the patient page is `PatientRules.decide` (the rule
set plus the patient's anticoagulant holds), so "from today" means booking would accept
today. Frequency limits are counted from the rule set's own limits ("ESI 3 of 3 in 6 months
used"). Each line carries its values as well as its sentence, for the page to lay out.

Everything but `patient_pathway_status` is pure: plain values in, plain values out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from procedures.rules import (
    Decision,
    FacetPathway,
    Facts,
    FrequencyLimitRule,
    Request,
    ResponseRule,
    RuleSetSpec,
    ScsPathway,
    Session,
    State,
    evaluate,
    first_allowed,
)
from procedures.rules.checks import one_per_day
from procedures.rules.pathways import NextStep, Pathway, pathways

# (procedure code, region, side, day) -> the evaluator's decision for that case on that day.
Judge = Callable[[str, str, str, dt.date], Decision]

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")
SCS_PLACE = "Spinal cord stimulation"


@dataclass(frozen=True)
class LimitUse:
    """How much of one frequency limit a place has used, counting booked sessions too."""

    label: str  # "ESI"
    used: int
    allowed: int
    window: str  # "6 months"
    # The first day this limit alone allows one more, when it is used up; None otherwise.
    frees_on: dt.date | None = None

    @property
    def full(self) -> bool:
        return self.used >= self.allowed

    @property
    def text(self) -> str:
        return f"{self.label} {self.used} of {self.allowed} in {self.window} used"


@dataclass(frozen=True)
class PathwayLine:
    pathway: str  # "facet", "repeat", "limit" or "scs"
    place: str  # "Lumbar right"
    region: str | None
    side: str | None
    reached: str  # the stage reached: "first block 85% on 3 Nov"
    next_step: str | None  # "second block"; None when nothing follows
    next_procedure: str | None  # its procedure code, when it is a case to book
    allowed_now: bool
    allowed_from: dt.date | None  # the first day booking would accept it
    # The rule's own sentence when no date will cure it (a step must come first).
    waiting_will_not_help: str | None
    limits: tuple[LimitUse, ...]
    sentence: str

    @property
    def status(self) -> str:
        """The sentence without its place, for a page that shows the place apart."""
        return self.sentence.removeprefix(f"{self.place}: ")


def day_label(day: dt.date, today: dt.date) -> str:
    """ "3 Nov" this year, "12 Jan 2027" in another."""
    label = f"{day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def window_label(days: int) -> str:
    """Rule windows are day counts; "6 months" reads better than "183 days"."""
    months = round(days / 30.44)
    if days >= 56 and abs(months * 30.44 - days) <= 3:
        return f"{months} month{'s' * (months != 1)}"
    if days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'s' * (weeks != 1)}"
    return f"{days} day{'s' * (days != 1)}"


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else f"#{n}"


def procedures_label(codes: Iterable[str]) -> str:
    """ESI_IL, ESI_TF, ESI_CAUDAL -> "ESI"; one code -> itself; else the codes joined."""
    ordered = sorted(codes)
    prefixes = {code.split("_")[0] for code in ordered}
    if len(ordered) > 1 and len(prefixes) == 1 and all("_" in code for code in ordered):
        return prefixes.pop()
    return "/".join(ordered)


def place_label(region: str | None, side: str | None) -> str:
    return " ".join(part for part in ((region or "").capitalize(), side or "") if part)


def evaluator(facts: Facts, rule_set: RuleSetSpec, today: dt.date) -> Judge:
    """The rule set alone, as a judge: for tests and callers without the patient's drugs."""
    counts_as = {s.procedure: s.counts_as_regions for s in facts.sessions}

    def judge(code: str, region: str, side: str, day: dt.date) -> Decision:
        request = Request(code, region, side, day, counts_as_regions=counts_as.get(code, ()))
        return evaluate(facts, request, rule_set, today)

    return judge


# --- Frequency limits ---------------------------------------------------------------------------


def _in_place(rule: FrequencyLimitRule, session: Session, region: str, side: str) -> bool:
    if rule.scope == "patient":
        return True
    if rule.scope == "region":
        return session.in_region(region)
    return session.in_region(region) and session.covers_side(side)


def limit_use(
    rule: FrequencyLimitRule, facts: Facts, region: str, side: str, today: dt.date
) -> LimitUse | None:
    """Session days of the rule's procedures in its window up to today, booked ones included.

    None when the place has none. When the limit is used up, `frees_on` is the day the
    evaluator finds for one more session under this limit alone.
    """
    window_start = today - dt.timedelta(days=rule.window_days)
    here = [
        s
        for s in facts.sessions
        if s.procedure in rule.procedures and _in_place(rule, s, region, side)
    ]
    used = len({s.on for s in here if s.on > window_start})
    if not used:
        return None
    use = LimitUse(
        procedures_label(rule.procedures),
        used,
        rule.max_sessions,
        window_label(rule.window_days),
    )
    if not use.full:
        return use
    latest = max(here, key=lambda s: s.on)
    request = Request(
        latest.procedure, region, side, today, counts_as_regions=latest.counts_as_regions
    )
    frees_on = first_allowed([rule], facts, request, today)
    return LimitUse(use.label, use.used, use.allowed, use.window, frees_on)


def _limits_for(
    codes: Iterable[str],
    limits: list[FrequencyLimitRule],
    facts: Facts,
    region: str,
    side: str,
    today: dt.date,
) -> tuple[LimitUse, ...]:
    wanted = set(codes)
    found = (
        limit_use(rule, facts, region, side, today) for rule in limits if rule.procedures & wanted
    )
    return tuple(use for use in found if use is not None)


# --- Next steps, judged as booking would ---------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    allowed_now: bool
    allowed_from: dt.date | None
    waiting_will_not_help: str | None

    def words(self, today: dt.date) -> str:
        if self.allowed_now:
            return "from today"
        if self.allowed_from is not None:
            return f"from {day_label(self.allowed_from, today)}"
        return f"not yet: {self.waiting_will_not_help}"


def _verdict(
    step: NextStep,
    region: str,
    side: str,
    sessions: Iterable[Session],
    judge: Judge,
    today: dt.date,
) -> _Verdict:
    """The pathway's date for the step, checked again with everything booking checks.

    Without a date, the step is judged where the pathway judged it (the day after its latest
    session, or today), to name the rule that waiting cannot satisfy.
    """
    day = today if step.allowed else step.eligible_from
    first_day = max([today, *(s.on + dt.timedelta(days=1) for s in sessions)])
    decision = judge(step.procedure, region, side, day or first_day)
    if decision.allowed:
        allowed_from: dt.date | None = day or first_day
    else:
        allowed_from = decision.eligible_from
    if allowed_from is not None:
        return _Verdict(allowed_from == today, allowed_from, None)
    incurable = [v for v in decision.violations if v.eligible_from is None]
    return _Verdict(False, None, (incurable or decision.violations)[0].detail)


def _session_state(name: str, session: Session, today: dt.date, threshold: int | None) -> str:
    when = day_label(session.on, today)
    if session.state is State.BOOKED:
        return f"{name} booked for {when}"
    if session.relief is None:
        return f"{name} on {when}, relief not recorded"
    if threshold is not None and session.relief < threshold:
        return f"{name} {session.relief}% on {when}, under {threshold}%"
    return f"{name} {session.relief}% on {when}"


def _line(
    pathway: str,
    place: str,
    where: tuple[str | None, str | None],
    reached: str,
    limits: tuple[LimitUse, ...],
    step: tuple[str, str | None, _Verdict] | None,
    today: dt.date,
    allowed_words: bool = False,
) -> PathwayLine:
    parts = [reached, *(use.text for use in limits if use.full)]
    if step is None:
        label, code, verdict = None, None, _Verdict(False, None, None)
    else:
        label, code, verdict = step
        if code is None:  # not a case to book: something to record first
            parts.append(f"next: {label}")
        elif allowed_words and verdict.allowed_now:
            parts.append(f"{label} allowed")
        else:
            parts.append(f"next: {label}, {verdict.words(today)}")
    return PathwayLine(
        pathway=pathway,
        place=place,
        region=where[0],
        side=where[1],
        reached=reached,
        next_step=label,
        next_procedure=code,
        allowed_now=verdict.allowed_now,
        allowed_from=verdict.allowed_from,
        waiting_will_not_help=verdict.waiting_will_not_help,
        limits=limits,
        sentence=f"{place}: " + "; ".join(p for p in parts if p),
    )


# --- One line per pathway -----------------------------------------------------------------------


def _facet_next_label(step: NextStep, rule: FacetPathway) -> tuple[str, str | None]:
    """The evaluator's label in words, and the code to book (None: nothing to book yet)."""
    label = step.label
    if label.startswith("record relief"):
        return "record its relief", None
    if label == "block 1 (start again)":
        return "first block again", step.procedure
    if label.startswith("block ") and label[6:].isdigit():
        return f"{ordinal(int(label[6:]))} block", step.procedure
    return label, step.procedure


def facet_line(
    found: Pathway,
    rule: FacetPathway,
    facts: Facts,
    limits: list[FrequencyLimitRule],
    judge: Judge,
    today: dt.date,
) -> PathwayLine:
    region, side = found.region or "", found.side or ""
    here = list(found.sessions)
    ablations = one_per_day([s for s in here if s.procedure == rule.ablation])
    last_ablation = ablations[0] if ablations else None
    blocks = one_per_day(  # newest first, since the last ablation
        [
            s
            for s in here
            if s.procedure in rule.blocks and (last_ablation is None or s.on > last_ablation.on)
        ]
    )
    if blocks:
        positive_before = 0
        for block in blocks[1:]:
            if block.relief is None or block.relief < rule.block_min_relief:
                break
            positive_before += 1
        latest = blocks[0]
        negative = latest.relief is not None and latest.relief < rule.block_min_relief
        name = "block" if negative else f"{ordinal(positive_before + 1)} block"
        reached = _session_state(name, latest, today, rule.block_min_relief)
    elif last_ablation is not None:
        reached = _session_state(rule.ablation, last_ablation, today, None)
    else:
        reached = "no sessions"
    step = None
    if found.next_step is not None:
        label, code = _facet_next_label(found.next_step, rule)
        if code is None and blocks and blocks[0].state is State.BOOKED:
            label = "record its relief once it is done"
        verdict = (
            _verdict(found.next_step, region, side, here, judge, today)
            if code
            else _Verdict(False, None, None)
        )
        step = (label, code, verdict)
    uses = _limits_for(rule.blocks | {rule.ablation}, limits, facts, region, side, today)
    return _line(
        "facet",
        place_label(region, side),
        (region, side),
        reached,
        uses,
        step,
        today,
        allowed_words=found.next_step is not None and found.next_step.procedure == rule.ablation,
    )


def repeat_line(
    found: Pathway,
    rule: ResponseRule,
    facts: Facts,
    limits: list[FrequencyLimitRule],
    judge: Judge,
    today: dt.date,
) -> PathwayLine:
    last = found.sessions[-1]
    # A rule per patient (trigger points) has one line for every region.
    region = found.region or last.region
    label = place_label(found.region, None) or "All regions"
    reached = _session_state(f"last {last.procedure}", last, today, rule.min_relief)
    step = None
    if found.next_step is not None:
        verdict = _verdict(found.next_step, region, last.side, found.sessions, judge, today)
        step = (found.next_step.label, found.next_step.procedure, verdict)
    uses = _limits_for(rule.procedures, limits, facts, region, last.side, today)
    return _line("repeat", label, (found.region, None), reached, uses, step, today)


def scs_line(
    found: Pathway, rule: ScsPathway, facts: Facts, judge: Judge, today: dt.date
) -> PathwayLine:
    parts = []
    evaluations = sorted(facts.psych_evaluations, key=lambda e: e.on)
    cleared = [e for e in evaluations if e.cleared]
    if cleared:
        parts.append(f"psych evaluation cleared on {day_label(cleared[-1].on, today)}")
    elif evaluations:
        parts.append(f"psych evaluation on {day_label(evaluations[-1].on, today)} did not clear")
    else:
        parts.append("no psych evaluation on file")
    trials = [s for s in found.sessions if s.procedure == rule.trial]
    implants = [s for s in found.sessions if s.procedure == rule.implant]
    if trials:
        trial = trials[-1]
        ends = trial.on + dt.timedelta(days=rule.trial_days)
        if trial.state is State.DONE and trial.relief is None and today < ends:
            parts.append(
                f"trial since {day_label(trial.on, today)}, runs until {day_label(ends, today)}"
            )
        else:
            parts.append(_session_state("trial", trial, today, rule.trial_min_relief))
    if implants:
        implant = implants[-1]
        booked = "booked for" if implant.state is State.BOOKED else "on"
        parts.append(f"implant {booked} {day_label(implant.on, today)}")
    step = None
    if found.next_step is not None:
        # The same place the pathway judged its next step at: the trial's, or a default.
        region, side = (trials[-1].region, trials[-1].side) if trials else ("thoracic", "bilateral")
        label = "implant" if found.next_step.procedure == rule.implant else "trial"
        verdict = _verdict(found.next_step, region, side, found.sessions, judge, today)
        step = (label, found.next_step.procedure, verdict)
    return _line("scs", SCS_PLACE, (None, None), "; ".join(parts), (), step, today)


def limit_lines(
    limits: list[FrequencyLimitRule], facts: Facts, judge: Judge, today: dt.date
) -> list[PathwayLine]:
    """Limits no pathway line shows (trigger points, SI joints): one line per place used."""
    lines = []
    for rule in limits:
        sessions = [s for s in facts.sessions if s.procedure in rule.procedures]
        if rule.scope == "patient":
            places: set[tuple[str | None, str | None]] = {(None, None)} if sessions else set()
        elif rule.scope == "region":
            # Limits count per region group: one line for lumbar and sacral together.
            places = {(g, None) for s in sessions for g in s.groups}
        else:
            places = {
                (g, side)
                for s in sessions
                for g in s.groups
                for side in (("left", "right") if s.side == "bilateral" else (s.side,))
            }
        for region, side in sorted(places, key=lambda p: (p[0] or "", p[1] or "")):
            latest = max(
                (
                    s
                    for s in sessions
                    if region is None
                    or (s.in_region(region) and (side is None or s.covers_side(side)))
                ),
                key=lambda s: s.on,
            )
            at_region, at_side = region or latest.region, side or latest.side
            use = limit_use(rule, facts, at_region, at_side, today)
            if use is None:
                continue
            step = NextStep(latest.procedure, latest.procedure, True, today, "")
            verdict = _verdict(step, at_region, at_side, (), judge, today)
            # A group's line is named by its one region when only one is used (SI: sacral).
            used = {s.region for s in sessions if region is None or s.in_region(region)}
            shown = used.pop() if len(used) == 1 else region
            label = place_label(shown, side) or "All regions"
            lines.append(
                _line(
                    "limit",
                    label,
                    (region, side),
                    use.text,
                    (),
                    (latest.procedure, latest.procedure, verdict),
                    today,
                )
            )
    return lines


def pathway_status(
    facts: Facts, rule_set: RuleSetSpec, today: dt.date, judge: Judge | None = None
) -> list[PathwayLine]:
    """Every pathway the patient has started, and every limit they are counting against."""
    judge = judge or evaluator(facts, rule_set, today)
    limits = [r for r in rule_set.rules if isinstance(r, FrequencyLimitRule)]
    facets = [r for r in rule_set.rules if isinstance(r, FacetPathway)]
    repeats = [r for r in rule_set.rules if isinstance(r, ResponseRule)]
    scs = [r for r in rule_set.rules if isinstance(r, ScsPathway)]
    covered = {code for r in facets for code in (*r.blocks, r.ablation)}
    covered |= {code for r in repeats for code in r.procedures}
    covered |= {code for r in scs for code in (r.trial, r.implant)}

    lines = []
    for found in pathways(facts, rule_set, today):
        used = {s.procedure for s in found.sessions}
        if found.family == "facet":
            facet = next(r for r in facets if used <= {*r.blocks, r.ablation})
            lines.append(facet_line(found, facet, facts, limits, judge, today))
        elif found.family == "repeat":
            repeat = next(r for r in repeats if used <= r.procedures)
            lines.append(repeat_line(found, repeat, facts, limits, judge, today))
        elif found.family == "scs":
            stimulator = next(r for r in scs if used <= {r.trial, r.implant})
            lines.append(scs_line(found, stimulator, facts, judge, today))
    others = [r for r in limits if not r.procedures & covered]
    return lines + limit_lines(others, facts, judge, today)
