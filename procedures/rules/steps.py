"""A diagnostic step before a therapeutic procedure, side by side (the sacroiliac pathway).

DOMAIN.md: a therapeutic SI joint injection on a side needs a diagnostic SI block there with
at least 75% relief; an earlier SI joint injection with that relief counts as the step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.rules.checks import OUTCOME_PENDING, PATHWAY_INCOMPLETE, one_per_day
from procedures.rules.facts import Facts, Request, State, Violation


@dataclass(frozen=True)
class DiagnosticStepRule:
    name: str
    procedures: frozenset[str]
    steps: frozenset[str]
    min_relief: int

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures:
            return []
        found = []
        for side in request.sides:
            violation = self._side(facts, request, side)
            if violation:
                found.append(violation)
        return found

    def _side(self, facts: Facts, request: Request, side: str) -> Violation | None:
        earlier = one_per_day(
            [
                s
                for s in facts.sessions
                if s.procedure in self.steps
                and s.on < request.on
                and s.in_region(request.region)
                and s.covers_side(side)
            ]
        )
        if any(s.relief is not None and s.relief >= self.min_relief for s in earlier):
            return None
        what = f"{self.name}: a {facts.name(request.procedure)} on the {side} side"
        needs = f"needs a diagnostic block there with at least {self.min_relief}% relief"
        open_ = [s for s in earlier if s.relief is None]
        if open_:
            step = open_[0]
            how = (
                "is booked and not done yet"
                if step.state is State.BOOKED
                else "has no relief recorded yet"
            )
            return Violation(
                OUTCOME_PENDING,
                f"{what} {needs}; the {facts.name(step.procedure)} on {step.on.isoformat()} {how}.",
            )
        tried = "; ".join(f"{facts.name(s.procedure)} {s.describe()}" for s in earlier[:2])
        found = f" (found: {tried})" if tried else " (none found)"
        return Violation(PATHWAY_INCOMPLETE, f"{what} {needs}{found}.")
