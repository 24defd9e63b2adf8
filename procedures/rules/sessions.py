"""Rules about one session: how many levels it treats, and in how many region groups.

A session is, for each rule, every case that rule counts together on one date (DOMAIN.md):
a left and a right transforaminal injection booked as two cases on the same day are one
session, so their levels add up, and an epidural elsewhere in the spine that day is a
second region in the same session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.rules.facts import BILATERAL, Facts, Request, Session, Violation, group_of
from procedures.rules.levels import in_spine_order

TOO_MANY_LEVELS = "too_many_levels"
ONE_REGION_PER_SESSION = "one_region_per_session"


def same_day(facts: Facts, procedures: frozenset[str], request: Request) -> list[Session]:
    return [s for s in facts.sessions if s.procedure in procedures and s.on == request.on]


@dataclass(frozen=True)
class LevelLimitRule:
    """At most `max_levels` levels a session (bilateral at one level is one level)."""

    name: str
    procedures: frozenset[str]
    max_levels: int
    bilateral_allowed: bool
    # The procedures whose same-day cases are in the session (their levels add up).
    session: frozenset[str] = frozenset()

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures:
            return []
        if request.side == BILATERAL and not self.bilateral_allowed:
            return [
                Violation(
                    TOO_MANY_LEVELS,
                    f"{self.name}: a {facts.name(request.procedure)} is never bilateral; book "
                    "one side.",
                )
            ]
        alone = len(set(request.levels)) or 1
        if alone > self.max_levels:
            return [self._too_many(alone, in_spine_order(request.levels), "")]
        others = [
            s
            for s in same_day(facts, self.session or self.procedures, request)
            if s.in_region(request.region)
        ]
        known = set(request.levels) | {level for s in others for level in s.levels}
        # A row without levels (an older one, or a request without them) is one level more.
        unknown = (0 if request.levels else 1) + sum(1 for s in others if not s.levels)
        if len(known) + unknown <= self.max_levels:
            return []
        listed = ", ".join(
            f"{facts.name(s.procedure)} {s.side} ({', '.join(s.levels) or 'levels not recorded'})"
            for s in others
        )
        # On another day the other cases are not in its session; alone it fits.
        return [
            self._too_many(
                len(known) + unknown,
                in_spine_order(known),
                f" with the same day's {listed}",
                request.on + dt.timedelta(days=1),
            )
        ]

    def _too_many(
        self, count: int, levels: list[str], context: str, hint: dt.date | None = None
    ) -> Violation:
        shown = f" ({', '.join(levels)})" if levels else ""
        return Violation(
            TOO_MANY_LEVELS,
            f"{self.name}: this session would treat {count} levels{shown}{context}.",
            hint,
        )


@dataclass(frozen=True)
class OneRegionPerSessionRule:
    """A session of these procedures treats one region group."""

    name: str
    procedures: frozenset[str]

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures:
            return []
        elsewhere = [
            s for s in same_day(facts, self.procedures, request) if not s.in_region(request.region)
        ]
        if not elsewhere:
            return []
        other = elsewhere[0]
        return [
            Violation(
                ONE_REGION_PER_SESSION,
                f"{self.name}: this patient has a {facts.name(other.procedure)} in the "
                f"{group_of(other.region)} region on {request.on.isoformat()}; one region a "
                "session.",
                request.on + dt.timedelta(days=1),
            )
        ]
