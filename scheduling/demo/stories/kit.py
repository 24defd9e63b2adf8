"""What a story is made of: a patient profile and the visits that brought them where they are.

Helpers keep the stories readable: `done(...)` a visit in the past with its relief,
`booked(...)` an upcoming one, `outside(...)` a procedure done elsewhere, `approved(...)` an
authorization on file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic.models import Patient
from procedures.models import AuthorizationStatus as Auth
from scheduling.demo.cases import Ticks
from scheduling.demo.people import Authorization, HistoryEntry, Profile

SMS, EMAIL = Patient.Channel.SMS, Patient.Channel.EMAIL
# A relief that a story wants left unrecorded (a diary not returned, a trial still running).
NOT_YET = -1
MORNING = dt.time(8, 0)


@dataclass(frozen=True)
class Visit:
    procedure: str
    region: str
    side: str
    day: dt.date
    upcoming: bool = False
    relief: int | None = None  # for a visit done; NOT_YET: not recorded
    after: dt.time = MORNING  # the earliest start wanted
    sedation: bool | None = None
    ticks: Ticks = Ticks.NONE
    booked_days_before: int | None = None  # an upcoming visit booked that long ago


@dataclass(frozen=True)
class Story:
    stage: str
    profile: Profile
    visits: tuple[Visit, ...] = ()


def done(
    code: str,
    region: str,
    side: str,
    day: dt.date,
    relief: int,
    *,
    after: dt.time = MORNING,
    sedation: bool | None = None,
) -> Visit:
    """A visit done here, with the relief it gave (NOT_YET: not recorded)."""
    return Visit(code, region, side, day, relief=relief, after=after, sedation=sedation)


def booked(
    code: str,
    region: str,
    side: str,
    day: dt.date,
    *,
    after: dt.time = MORNING,
    sedation: bool | None = None,
    ticks: Ticks = Ticks.NONE,
    booked_days_before: int | None = None,
) -> Visit:
    """An upcoming visit, booked now unless `booked_days_before` says otherwise."""
    return Visit(
        code,
        region,
        side,
        day,
        upcoming=True,
        after=after,
        sedation=sedation,
        ticks=ticks,
        booked_days_before=booked_days_before,
    )


def outside(
    code: str,
    region: str,
    side: str,
    on: dt.date,
    relief: int | None,
    *,
    relief_days: int | None = None,
) -> HistoryEntry:
    """A procedure done elsewhere; `relief_days`: how long its relief lasted, when the report
    says (a repeat here needs it)."""
    where = {
        "ESI_TF": "Mercy Spine Center",
        "RFA": "Hudson Pain Associates",
        "MBB": "Hudson Pain Associates",
        "SI_JOINT": "St. Vincent's pain service",
        "SI_DIAG": "St. Vincent's pain service",
    }.get(code, "an outside clinic")
    return HistoryEntry(
        code,
        region,
        side,
        on,
        relief,
        notes=f"Done at {where}; report on file.",
        relief_days=relief_days,
    )


def approved(code: str, valid_from: dt.date, valid_to: dt.date) -> Authorization:
    return Authorization(code, Auth.APPROVED, valid_from, valid_to)
