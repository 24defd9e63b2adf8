"""The booking horizon: how far ahead a case may be booked (BOOKING_HORIZON_MONTHS).

Nobody books a nerve block for the year 2999: the horizon keeps typing slips and scripts
from filling far-off calendars, and gives the slot search an end. It is counted in months
on the clinic's calendar, up to and including that day (31 August + 18 months: the last day
of February).
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.utils import timezone

from scheduling.availability import local_date, local_day_bounds


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_bookable_day(now: dt.datetime | None = None) -> dt.date:
    return add_months(local_date(now or timezone.now()), int(settings.BOOKING_HORIZON_MONTHS))


def horizon_end(now: dt.datetime | None = None) -> dt.datetime:
    """The end of the last bookable day: no case may start at or after it."""
    return local_day_bounds(last_bookable_day(now))[1]


def beyond_horizon_sentence(start: dt.datetime) -> str | None:
    """Why `start` is too far ahead to book, or None when it is within the horizon."""
    if start < horizon_end():
        return None
    months = int(settings.BOOKING_HORIZON_MONTHS)
    return (
        f"Cases are booked at most {months} month{'s' if months != 1 else ''} ahead: the last "
        f"day that can be booked now "
        f"is {last_bookable_day():%a %d %b %Y}. Choose an earlier start."
    )
