"""Rules that count hours from now: contrast premedication, and the clock they share with the
hour-long holds (heparins).

A case may not start less than a lead time from now: the patient must be told (a heparin's
last dose at booking, the premedication reminder before its first dose) in time. A request
with a start (`Request.at`) is judged at that start; a request for a whole day at the day's
first moment (local midnight), so a day whose early starts are too soon is refused with the
first start that works (`eligible_at`) and that day as its hint, and the evaluator then tries
that start.

Lead times are elapsed hours: they are added in UTC, not on a local clock that may jump.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.rules.facts import Facts, Request, Violation

PREMEDICATION_TOO_LATE = "premedication_too_late"

MINUTE = dt.timedelta(minutes=1)


def ceil_to_minute(moment: dt.datetime) -> dt.datetime:
    """The first whole minute at or after `moment`: a start a scheduler can type."""
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + MINUTE


def requested_start(request: Request, zone: dt.tzinfo) -> dt.datetime:
    """The start a time rule judges: the one asked for, else the day's first moment."""
    if request.at is not None:
        return request.at
    return dt.datetime.combine(request.on, dt.time.min, tzinfo=zone)


def first_start(now: dt.datetime, lead: dt.timedelta, zone: dt.tzinfo) -> dt.datetime:
    """The first start at least `lead` from now, to the minute, on the clinic's clock."""
    return ceil_to_minute(now.astimezone(dt.UTC) + lead).astimezone(zone)


def too_soon(
    request: Request, now: dt.datetime, lead: dt.timedelta, zone: dt.tzinfo
) -> dt.datetime | None:
    """The first start that works when the request starts less than `lead` from now; None
    when it starts late enough (exactly `lead` from now is enough)."""
    if requested_start(request, zone) >= now.astimezone(dt.UTC) + lead:
        return None
    return first_start(now, lead, zone)


def timed_violation(code: str, detail: str, first: dt.datetime, zone: dt.tzinfo) -> Violation:
    """A refusal cured on `first`'s day from `first` on; from the day's first moment the
    whole day works, so it names no start then."""
    day = first.astimezone(zone).date()
    whole_day = first <= dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return Violation(code, detail, day, eligible_at=None if whole_day else first)


def plain_moment(moment: dt.datetime) -> str:
    """'Thu 3 Dec 14:30', on the moment's own clock."""
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def plain_span(span: dt.timedelta) -> str:
    """'14 hours', '1 hour 30 minutes', '45 minutes'."""
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' * (hours != 1)}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts)


@dataclass(frozen=True)
class PremedicationRule:
    """Built for a contrast-allergic patient and a procedure that uses contrast.

    `lead` is the premedication reminder's lead time (a row a manager edits): booking and the
    reminder share it, so the reminder can always reach the patient before the first dose.
    """

    name: str
    lead: dt.timedelta
    now: dt.datetime
    zone: dt.tzinfo

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        first = too_soon(request, self.now, self.lead, self.zone)
        if first is None:
            return []
        span = plain_span(self.lead)
        return [
            timed_violation(
                PREMEDICATION_TOO_LATE,
                f"The patient is allergic to contrast: premedication begins with a reminder "
                f"{span} before the start, so the case cannot start less than {span} from "
                f"now. The earliest start is {plain_moment(first)}.",
                first,
                self.zone,
            )
        ]
