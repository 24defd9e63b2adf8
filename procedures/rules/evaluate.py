"""`evaluate(history, request, rule_set, on_date)`: every violation, and when waiting cures them.

The dates are found, not guessed: starting from the requested date, the evaluator re-runs
the rules on the date each violation hints at, until every rule passes (that date is
`eligible_from`) or one says waiting cannot help (then it is None). It does the same for
each violation alone, so each one carries its own date too.

A rule that counts hours from now (an hour hold, premedication) also names the first start
that works (`eligible_at`): the evaluator tries the hinted day from that start, so a day
whose early starts are too soon but whose later ones work answers that same day, with the
start as `eligible_at`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from procedures.rules.facts import BILATERAL, Facts, Request, Violation

# How far ahead a cure is looked for, and how many re-evaluations that may take.
HORIZON = dt.timedelta(days=3 * 366)
MAX_STEPS = 200


class Rule(Protocol):
    # Read-only, so that frozen dataclasses (every rule) satisfy it.
    @property
    def name(self) -> str: ...

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]: ...


@dataclass(frozen=True)
class RuleSetSpec:
    code: str
    name: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Refusal:
    code: str
    detail: str
    eligible_from: dt.date | None
    # When a follow-up could prove lasting relief (outcome_pending on relief that must last).
    proof_due: dt.date | None = None
    # The first start that works on `eligible_from`, when the rule counts hours from now;
    # on the clinic's clock (the zone the rule was given).
    eligible_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "code": self.code,
            "detail": self.detail,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
        }
        if self.proof_due is not None:
            answer["proof_due"] = self.proof_due.isoformat()
        if self.eligible_at is not None:
            answer["eligible_at"] = self.eligible_at.isoformat()
        return answer


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The requested date when allowed; else the first date on which every rule passes.
    eligible_from: dt.date | None
    violations: tuple[Refusal, ...]
    # The first start that works on `eligible_from`, when a rule that counts hours from now
    # decides it; None when the whole day works (or nothing does).
    eligible_at: dt.datetime | None = None


@dataclass(frozen=True)
class Cure:
    """Where the rules first pass: a day, from a start on it when a time rule says so."""

    day: dt.date
    at: dt.datetime | None = None


def _violations(
    rules: Sequence[Rule], facts: Facts, request: Request, today: dt.date
) -> list[Violation]:
    return [v for rule in rules for v in rule.check(facts, request, today)]


def _next_try(found: list[Violation], tried: Cure) -> Cure:
    """The next place to try: the latest hinted day, from the latest start the violations
    name on it; always later than `tried`, so the search moves on."""
    day = max(v.hint for v in found if v.hint is not None)
    starts = [v.eligible_at for v in found if v.hint == day and v.eligible_at is not None]
    at = max(starts) if starts else None
    later_same_day = day == tried.day and at is not None and (tried.at is None or at > tried.at)
    if day > tried.day or later_same_day:
        return Cure(day, at)
    return Cure(tried.day + dt.timedelta(days=1))


def first_cure(
    rules: Sequence[Rule], facts: Facts, request: Request, today: dt.date
) -> Cure | None:
    """The first day, from the request's (and its start), on which these rules all pass,
    with the first start that works when a time rule named one; None if never."""
    tried = Cure(request.on, request.at)
    for _ in range(MAX_STEPS):
        found = _violations(rules, facts, request.moved_to(tried.day, tried.at), today)
        if not found:
            return tried
        if any(v.hint is None for v in found):
            return None
        tried = _next_try(found, tried)
        if tried.day > request.on + HORIZON:
            return None
    return None


def first_allowed(
    rules: Sequence[Rule], facts: Facts, request: Request, today: dt.date
) -> dt.date | None:
    """The first date, from the request's, on which these rules all pass; None if never."""
    cure = first_cure(rules, facts, request, today)
    return cure.day if cure is not None else None


def _one_side(
    rule: Rule, facts: Facts, request: Request, violation: Violation, today: dt.date
) -> Request:
    """The request narrowed to the side `violation` is about, when it is about one side.

    A bilateral request is judged side by side: a violation of the left side must get the
    left side's date, not wait for (or be called incurable because of) the right side.
    """
    if request.side != BILATERAL:
        return request
    for side in request.sides:
        narrowed = replace(request, side=side)
        if violation in rule.check(facts, narrowed, today):
            return narrowed
    return request


def evaluate(history: Facts, request: Request, rule_set: RuleSetSpec, on_date: dt.date) -> Decision:
    """Judge a request against a rule set, as of `on_date` (today)."""
    refusals = []
    for rule in rule_set.rules:
        for violation in rule.check(history, request, on_date):
            cured = None
            if violation.hint is not None:
                alone = _one_side(rule, history, request, violation, on_date)
                cured = first_cure([rule], history, alone, on_date)
            refusals.append(
                Refusal(
                    violation.code,
                    violation.detail,
                    cured.day if cured else None,
                    violation.proof_due,
                    cured.at if cured else None,
                )
            )
    if not refusals:
        return Decision(True, request.on, ())
    cure = first_cure(rule_set.rules, history, request, on_date)
    if cure is None:
        return Decision(False, None, tuple(refusals))
    return Decision(False, cure.day, tuple(refusals), cure.at)
