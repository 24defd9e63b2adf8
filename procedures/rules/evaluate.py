"""`evaluate(history, request, rule_set, on_date)`: every violation, and when waiting cures them.

The dates are found, not guessed: starting from the requested date, the evaluator re-runs
the rules on the date each violation hints at, until every rule passes (that date is
`eligible_from`) or one says waiting cannot help (then it is None). It does the same for
each violation alone, so each one carries its own date too.
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

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {
            "code": self.code,
            "detail": self.detail,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
        }
        if self.proof_due is not None:
            answer["proof_due"] = self.proof_due.isoformat()
        return answer


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The requested date when allowed; else the first date on which every rule passes.
    eligible_from: dt.date | None
    violations: tuple[Refusal, ...]


def _violations(
    rules: Sequence[Rule], facts: Facts, request: Request, today: dt.date
) -> list[Violation]:
    return [v for rule in rules for v in rule.check(facts, request, today)]


def first_allowed(
    rules: Sequence[Rule], facts: Facts, request: Request, today: dt.date
) -> dt.date | None:
    """The first date, from the request's, on which these rules all pass; None if never."""
    day = request.on
    for _ in range(MAX_STEPS):
        found = _violations(rules, facts, request.moved_to(day), today)
        if not found:
            return day
        hints = [v.hint for v in found]
        if any(h is None for h in hints):
            return None
        day = max(max(h for h in hints if h is not None), day + dt.timedelta(days=1))
        if day > request.on + HORIZON:
            return None
    return None


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
                cured = first_allowed([rule], history, alone, on_date)
            refusals.append(Refusal(violation.code, violation.detail, cured, violation.proof_due))
    if not refusals:
        return Decision(True, request.on, ())
    eligible_from = first_allowed(rule_set.rules, history, request, on_date)
    return Decision(False, eligible_from, tuple(refusals))
