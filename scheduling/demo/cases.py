"""One demo case, from its plan to what became of it, before anything is written.

A case is planned (patient, procedure, day), placed by the agenda (provider, room, start),
and given a fate: what happened to it before now (with the follow-ups that asked later how
much relief was left), or what the desk does with it next.
`session_at` is how the rules would have seen it at any moment, which is how the demo
checks each booking against the rules as they stood when it was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from clinic.models import Equipment, Patient, Provider, Room
from procedures.models import ProcedureType
from procedures.rules import Session, State
from procedures.rules.facts import FollowUp
from scheduling.availability import at_local, local_date
from scheduling.demo.days import ClinicDays
from scheduling.models import Status


class Ticks(StrEnum):
    """How much of an upcoming case's checklist the nurses have worked."""

    NONE = "none"
    SOME = "some"
    ALL = "all"


@dataclass(frozen=True)
class DemoFollowUp:
    """Relief asked again days after the case: how long the relief lasted."""

    on: dt.date
    relief: int
    recorded_at: dt.datetime


@dataclass(eq=False)
class DemoCase:
    patient: Patient
    procedure: ProcedureType
    region: str
    side: str
    day: dt.date
    # Where and when, from the agenda, and when the desk booked it.
    start: dt.datetime
    end: dt.datetime
    room_busy_until: dt.datetime
    provider: Provider
    room: Room
    booked_at: dt.datetime
    # The unit of shared equipment the case takes (written with a past case; booking picks
    # the same one for an upcoming case).
    equipment: Equipment | None = None
    sedation: bool | None = None  # None: the catalog's default
    # What became of it: still scheduled (ahead), checked in (under way now), or over.
    fate: Status = Status.SCHEDULED
    relief: int | None = None
    pain: tuple[int, int] | None = None  # 0-10 before and after, when relief came from scores
    relief_at: dt.datetime | None = None  # when the relief is (or will be) recorded
    checked_in_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    no_show_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancel_cause: str = ""
    cancel_reason: str = ""
    open_items: frozenset[str] = frozenset()  # checklist items never ticked
    follow_ups: list[DemoFollowUp] = field(default_factory=list)  # recorded before now
    # What the desk does next with an upcoming case.
    ticks: Ticks = Ticks.NONE
    check_in: bool = False
    cancel_now: tuple[str, str] | None = None  # (cause, reason)
    # An upcoming case booked days ago, whose hold has begun: written with the past.
    booked_before: bool = False

    @property
    def code(self) -> str:
        return self.procedure.code

    @property
    def written_as_past(self) -> bool:
        return self.booked_before or self.fate != Status.SCHEDULED

    def relief_known_at(self, moment: dt.datetime) -> bool:
        return self.relief is not None and self.relief_at is not None and self.relief_at <= moment

    def session_at(self, moment: dt.datetime) -> Session | None:
        """The case as the rules saw it at `moment`, or None if it did not count then."""
        if self.booked_at > moment:
            return None
        ended = {
            Status.CANCELLED: self.cancelled_at,
            Status.NO_SHOW: self.no_show_at,
        }.get(self.fate)
        if ended is not None and ended <= moment:
            return None
        done = self.fate == Status.COMPLETED and self.completed_at and self.completed_at <= moment
        known = self.relief_known_at(moment)
        later = tuple(FollowUp(f.on, f.relief) for f in self.follow_ups if f.recorded_at <= moment)
        return Session(
            procedure=self.code,
            region=self.region,
            side=self.side,
            on=local_date(self.start),
            state=State.DONE if done else State.BOOKED,
            relief=self.relief if known else None,
            relief_recorded_on=local_date(self.relief_at) if known and self.relief_at else None,
            counts_as_regions=tuple(self.procedure.counts_as_regions or ()),
            ref=f"demo:{id(self)}",
            follow_ups=later,
        )


# When relief is recorded, in the clinic's usual course: at the procedure for the quick
# ones, from the pain diary for a diagnostic block, at the follow-up for the others.
AT_THE_PROCEDURE = {"TPI", "SYMPATHETIC", "DISCOGRAPHY"}
FROM_THE_DIARY = {"MBB", "SI_DIAG"}
FOLLOW_UP_DAYS = {
    "ESI_IL": 14,
    "ESI_TF": 14,
    "ESI_CAUDAL": 14,
    "SI_JOINT": 14,
    "FACET_IA": 14,
    "KYPHOPLASTY": 14,
    "RFA": 28,
    "SCS_TRIAL": 7,  # at lead removal, when the trial ends
    "SCS_IMPLANT": 10,
}
DIARY_HOURS = dt.timedelta(hours=6, minutes=15)
LAST_CALL = dt.time(17, 30)
MORNING_CALLS = dt.time(8, 40)
FOLLOW_UP_CLOCK = dt.time(10, 20)


def relief_due(case: DemoCase, days: ClinicDays) -> dt.datetime:
    """When a nurse records this case's relief."""
    if case.code in AT_THE_PROCEDURE:
        return case.end + dt.timedelta(minutes=20)
    if case.code in FROM_THE_DIARY:
        diary = case.end + DIARY_HOURS
        if diary <= at_local(case.day, LAST_CALL):
            return diary
        return at_local(days.next_open(case.day), MORNING_CALLS)
    follow_up = case.day + dt.timedelta(days=FOLLOW_UP_DAYS.get(case.code, 14))
    return at_local(days.on_or_after(follow_up), FOLLOW_UP_CLOCK)
