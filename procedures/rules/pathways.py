"""Where a patient stands on each staged pathway, and what the next step is.

"facet, lumbar right: block 1 positive 85% on 2026-10-02; next: block 2, eligible now" — so a
scheduler sees the next step without reading rules. The next step's eligibility comes from
the same evaluator booking uses. Pure: plain values in, plain values out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.rules.checks import FacetPathway, ResponseRule, ScsPathway, one_per_day
from procedures.rules.evaluate import RuleSetSpec, evaluate
from procedures.rules.facts import BILATERAL, Facts, Request, Session, State, group_of


@dataclass(frozen=True)
class NextStep:
    procedure: str
    label: str
    allowed: bool
    eligible_from: dt.date | None
    reason: str


@dataclass(frozen=True)
class Pathway:
    family: str
    region: str | None
    side: str | None
    sessions: tuple[Session, ...]
    next_step: NextStep | None
    summary: str


def _state(session: Session, threshold: int) -> str:
    if session.state is State.BOOKED:
        return f"booked for {session.on.isoformat()}"
    if session.relief is None:
        return f"on {session.on.isoformat()}, relief not recorded"
    verdict = "positive" if session.relief >= threshold else "negative"
    return f"{verdict} {session.relief}% on {session.on.isoformat()}"


def _next(
    facts: Facts,
    rule_set: RuleSetSpec,
    today: dt.date,
    procedure: str,
    label: str,
    where: tuple,
    latest: dt.date | None = None,
) -> NextStep:
    """The next step, judged from the day after the pathway's latest session (or today).

    A step on the day of the latest session would be part of it, not after it (and rules
    read only earlier sessions): a second block the day of the first is not block 2.
    """
    region, side = where
    on = today if latest is None else max(today, latest + dt.timedelta(days=1))
    decision = evaluate(facts, Request(procedure, region, side, on), rule_set, today)
    allowed_now = decision.allowed and on == today
    if allowed_now:
        reason = "eligible now"
    elif decision.eligible_from is not None:
        reason = f"eligible from {decision.eligible_from.isoformat()}"
    else:
        reason = f"not yet: {decision.violations[0].detail}"
    return NextStep(procedure, label, allowed_now, decision.eligible_from, reason)


def _facet(
    rule: FacetPathway, facts: Facts, rule_set: RuleSetSpec, today: dt.date
) -> list[Pathway]:
    involved = [s for s in facts.sessions if s.procedure in rule.blocks | {rule.ablation}]
    places = sorted({(s.region, s.side) for s in involved})
    found = []
    for region, side in places:
        here = [s for s in involved if s.region == region and (s.side in (side, BILATERAL))]
        ablations = one_per_day([s for s in here if s.procedure == rule.ablation])
        last = ablations[0] if ablations else None
        blocks = one_per_day(
            [s for s in here if s.procedure in rule.blocks and (last is None or s.on > last.on)]
        )
        parts = []
        if last is not None:
            parts.append(f"{rule.ablation} {_state(last, rule.repeat_min_relief)}")
        for number, block in enumerate(reversed(blocks), start=1):
            parts.append(f"block {number} {_state(block, rule.block_min_relief)}")

        block_code = sorted(rule.blocks)[0]
        leading_positive = 0
        for block in blocks:  # newest first
            if block.relief is None or block.relief < rule.block_min_relief:
                break
            leading_positive += 1
        if last is not None and last.relief is not None and last.relief >= rule.repeat_min_relief:
            code, label = rule.ablation, f"repeat {rule.ablation}"
        elif leading_positive >= rule.blocks_required:
            code, label = rule.ablation, rule.ablation
        elif blocks and blocks[0].relief is None:
            code, label = block_code, f"record relief of block {len(blocks)}"
        elif blocks and leading_positive == 0:
            code, label = block_code, "block 1 (start again)"
        else:
            code, label = block_code, f"block {leading_positive + 1}"
        latest = max(s.on for s in here)
        step = _next(facts, rule_set, today, code, label, (region, side), latest)
        history = "; ".join(parts) if parts else "no sessions"
        found.append(
            Pathway(
                "facet",
                region,
                side,
                tuple(sorted(here, key=lambda s: s.on)),
                step,
                f"facet, {region} {side}: {history}; next: {label}, {step.reason}",
            )
        )
    return found


def _repeats(
    rule: ResponseRule, facts: Facts, rule_set: RuleSetSpec, today: dt.date
) -> list[Pathway]:
    involved = [s for s in facts.sessions if s.procedure in rule.procedures]
    found = []
    # One line per region group (lumbar and sacral count together), named by its latest;
    # one line for the whole patient when the rule counts per patient (trigger points).
    groups: list[str | None] = (
        [None] if rule.scope == "patient" else [*sorted({group_of(s.region) for s in involved})]
    )
    for group in groups if involved else []:
        here = sorted(
            (s for s in involved if group is None or s.in_region(group)), key=lambda s: s.on
        )
        last = here[-1]
        region = None if group is None else last.region
        where = (last.region, last.side)
        step = _next(facts, rule_set, today, last.procedure, last.procedure, where, last.on)
        found.append(
            Pathway(
                "repeat",
                region,
                None,
                tuple(here),
                step,
                f"{rule.name}, {region or 'all regions'}: last {last.procedure} "
                f"{_state(last, rule.min_relief)}; "
                f"next: {last.procedure}, {step.reason}",
            )
        )
    return found


def _scs(rule: ScsPathway, facts: Facts, rule_set: RuleSetSpec, today: dt.date) -> list[Pathway]:
    here = sorted(
        (s for s in facts.sessions if s.procedure in (rule.trial, rule.implant)), key=lambda s: s.on
    )
    if not here and not facts.psych_evaluations:
        return []
    parts = []
    # The most recent evaluation decides (a later one that does not clear withdraws it).
    latest = max(facts.psych_evaluations, key=lambda e: (e.on, not e.cleared), default=None)
    if latest is None:
        parts.append("no psych clearance")
    elif latest.cleared:
        parts.append(f"psych cleared on {latest.on.isoformat()}")
    else:
        parts.append(f"psych evaluation on {latest.on.isoformat()} did not clear")
    parts += [f"{s.procedure} {_state(s, rule.trial_min_relief)}" for s in here]
    implants = [s for s in here if s.procedure == rule.implant]
    if implants:
        return [Pathway("scs", None, None, tuple(here), None, "scs: " + "; ".join(parts))]
    trials = [s for s in here if s.procedure == rule.trial]
    code = rule.implant if trials else rule.trial
    where = (trials[-1].region, trials[-1].side) if trials else ("thoracic", BILATERAL)
    step = _next(facts, rule_set, today, code, code, where, here[-1].on if here else None)
    summary = f"scs: {'; '.join(parts)}; next: {code}, {step.reason}"
    return [Pathway("scs", None, None, tuple(here), step, summary)]


def pathways(facts: Facts, rule_set: RuleSetSpec, today: dt.date) -> list[Pathway]:
    """Every pathway the patient has started, with its next step judged as of today."""
    found: list[Pathway] = []
    for rule in rule_set.rules:
        if isinstance(rule, FacetPathway):
            found += _facet(rule, facts, rule_set, today)
        elif isinstance(rule, ResponseRule):
            found += _repeats(rule, facts, rule_set, today)
        elif isinstance(rule, ScsPathway):
            found += _scs(rule, facts, rule_set, today)
    return found
