"""Plain values the rules read: a patient's sessions, evaluations and the request.

Nothing here touches the database. `scheduling.eligibility` builds these from the tables
(appointments done or booked here, history entered from elsewhere); tests build them by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

BILATERAL = "bilateral"

# Limits on spinal procedures count per region group, as the Medicare LCDs do (DOMAIN.md):
# an S1 transforaminal recorded as sacral counts with the lumbar ones, and cervical and
# thoracic facet sessions share one limit.
REGION_GROUPS = {
    "cervical": "cervical/thoracic",
    "thoracic": "cervical/thoracic",
    "lumbar": "lumbar/sacral",
    "sacral": "lumbar/sacral",
}


def group_of(region: str) -> str:
    """The region group a region counts in (a group names itself)."""
    return REGION_GROUPS.get(region, region)


@dataclass(frozen=True)
class FollowUp:
    """Relief assessed at a later date than the procedure (it proves how long relief lasted)."""

    on: dt.date
    relief: int


class State(StrEnum):
    DONE = "done"  # performed, here or elsewhere
    BOOKED = "booked"  # scheduled or checked in, not yet completed


@dataclass(frozen=True)
class Session:
    """One procedure on one date of service, for one region and side."""

    procedure: str
    region: str
    side: str
    on: dt.date
    state: State = State.DONE
    relief: int | None = None
    relief_recorded_on: dt.date | None = None
    # Regions this session counts for whatever region was recorded (caudal epidurals).
    counts_as_regions: tuple[str, ...] = ()
    ref: str = ""  # where it came from, e.g. "appointment:12" or "history:4"
    # The spinal levels treated; empty when not recorded (older rows), which a level rule
    # reads as matching every level.
    levels: tuple[str, ...] = ()
    # Relief assessed after the procedure, and, for history entered from elsewhere, how many
    # days relief lasted (None: not known); they prove "relief that lasts" (DOMAIN.md).
    follow_ups: tuple[FollowUp, ...] = ()
    relief_days: int | None = None

    @property
    def groups(self) -> frozenset[str]:
        return frozenset(group_of(r) for r in (self.region, *self.counts_as_regions))

    def in_region(self, region: str) -> bool:
        """Whether this session counts in the region group of `region`."""
        return group_of(region) in self.groups

    def covers_side(self, side: str) -> bool:
        """A bilateral session counts for both sides."""
        return self.side == side or self.side == BILATERAL

    def treats_any(self, levels: tuple[str, ...]) -> bool:
        """Whether it treated one of `levels`; unknown levels (either side) match every level."""
        return not self.levels or not levels or bool(set(self.levels) & set(levels))

    def describe(self) -> str:
        relief = "relief not recorded" if self.relief is None else f"{self.relief}%"
        if self.state is State.BOOKED:
            relief = "booked"
        return f"{self.on.isoformat()}, {relief}"


@dataclass(frozen=True)
class PsychEval:
    on: dt.date
    cleared: bool


@dataclass(frozen=True)
class Request:
    procedure: str
    region: str
    side: str
    on: dt.date
    # Regions the requested session will count for besides its own (a caudal epidural
    # recorded as sacral also counts as lumbar), so its limits are checked there too.
    counts_as_regions: tuple[str, ...] = ()
    # The spinal levels to treat; empty when not given (then level rules see one level).
    levels: tuple[str, ...] = ()
    # The requested start, when one is known (a booking, a slot); None asks about the whole
    # day, whose first moment is then the start the time rules judge (hour holds,
    # premedication).
    at: dt.datetime | None = None

    @property
    def regions(self) -> tuple[str, ...]:
        """The region groups the requested session counts in, its own first."""
        groups = [group_of(r) for r in (self.region, *self.counts_as_regions)]
        return tuple(dict.fromkeys(groups))

    @property
    def sides(self) -> tuple[str, ...]:
        """The sides a rule must be satisfied on: both, for a bilateral request."""
        return ("left", "right") if self.side == BILATERAL else (self.side,)

    def moved_to(self, day: dt.date, at: dt.datetime | None = None) -> Request:
        """The same case on another day: from `at` on it when given, else the whole day."""
        return replace(self, on=day, at=at)


@dataclass(frozen=True)
class Facts:
    """Everything the rules may read about one patient."""

    sessions: tuple[Session, ...] = ()
    psych_evaluations: tuple[PsychEval, ...] = ()
    # Labels used in sentences: procedure code -> plain name ("RFA" -> "radiofrequency ablation").
    names: dict[str, str] = field(default_factory=dict)

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def with_sessions(self, extra: Iterable[Session]) -> Facts:
        return Facts((*self.sessions, *extra), self.psych_evaluations, self.names)


@dataclass(frozen=True)
class Violation:
    code: str
    detail: str
    # The earliest date from which this rule might pass if nothing else changes; None when
    # waiting alone cannot cure it. The evaluator verifies the hint before reporting it.
    hint: dt.date | None = None
    # For `outcome_pending` on relief that must last: the date from which a follow-up could
    # prove it (API.md's `proof_due`).
    proof_due: dt.date | None = None
    # For the rules that count hours from now (hour holds, premedication): the first start
    # that works, on the day `hint` names (API.md's `eligible_at`).
    eligible_at: dt.datetime | None = None


def session_days(sessions: Iterable[Session]) -> list[dt.date]:
    """Distinct dates, ascending: a session is all procedures of one kind on one date."""
    return sorted({s.on for s in sessions})
