"""Anticoagulant and antiplatelet holds: which drug, how long, and the dates that follow.

Pure date arithmetic over plain values (DOMAIN.md, "Dates"): for a hold of N days before a
procedure on day P in the clinic's zone, the first day without the drug is P - N, the last
dose is on P - N - 1, and the patient's stop reminder goes out that morning. Hour holds
(heparins) are exact times for the nurse, told to the patient at booking. The restart is
the procedure's end plus the restart interval.

A drug whose row says "prescriber decides" comes as an instruction too, with no hold: it
plans no dates and asks the checklist for the prescriber's decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class HoldInstruction:
    drug: str
    drug_name: str
    bleeding_risk: str
    hold_days: int
    hold_hours: int
    inr_required: bool
    restart_hours: int
    prescriber_decides: bool = False

    @property
    def holds(self) -> bool:
        """True when the drug is stopped before the case (a prescriber's decision is not)."""
        return not self.prescriber_decides and bool(self.hold_days or self.hold_hours)


@dataclass(frozen=True)
class HoldDates:
    last_dose_on: dt.date | None
    first_day_without: dt.date | None
    last_dose_at: dt.datetime | None
    # The morning stop reminder of a day hold; an hour hold has none (the nurse times it and
    # the patient is told at booking).
    stop_notice_at: dt.datetime | None
    resume_at: dt.datetime

    def missed(self, now: dt.datetime, zone: ZoneInfo) -> bool:
        """True when the last dose should already have been the previous one."""
        if self.last_dose_on is not None:
            return self.last_dose_on < now.astimezone(zone).date()
        return self.last_dose_at is not None and self.last_dose_at < now


def hold_dates(
    hold: HoldInstruction,
    *,
    start: dt.datetime,
    end: dt.datetime,
    zone: ZoneInfo,
    stop_clock: dt.time,
) -> HoldDates:
    # Hours are elapsed time: add them in UTC, not on a local clock that may jump at 02:00.
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    resume_at = end + dt.timedelta(hours=hold.restart_hours)
    if hold.hold_days:
        procedure_day = start.astimezone(zone).date()
        first_without = procedure_day - dt.timedelta(days=hold.hold_days)
        last_dose = first_without - dt.timedelta(days=1)
        stop_at = dt.datetime.combine(last_dose, stop_clock, tzinfo=zone)
        return HoldDates(last_dose, first_without, None, stop_at, resume_at)
    last_dose_at = start - dt.timedelta(hours=hold.hold_hours)
    return HoldDates(None, None, last_dose_at, None, resume_at)


def eligible_from(hold_days: int, today: dt.date, past_cut_off: bool = False) -> dt.date:
    """The first procedure date whose last dose (P - N - 1) is not before today, nor today
    once the evening's quiet hours have begun (the stop reminder could no longer reach the
    patient before that dose)."""
    return today + dt.timedelta(days=hold_days + 1 + (1 if past_cut_off else 0))
