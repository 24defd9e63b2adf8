"""Utilisation: booked minutes over open minutes, by room, by provider and by day.

Booked minutes are summed in the database (three grouped queries). Open minutes come from
the same `Calendar` the slot search uses (opening hours, closures, public holidays, working
hours and days off): a few configuration rows, whatever the number of cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet, Sum

from clinic.models import Provider, Room
from clinic.selectors import providers_active, rooms_active
from scheduling.availability import Calendar, Interval, days_between
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import EpochSeconds, local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import ACTIVE_STATUSES, Appointment

BOOKED_SENTENCE = (
    "Booked minutes are the minutes of every case still booked or done (not cancelled or "
    "missed), with the room's turnover after it."
)


@dataclass(frozen=True)
class Utilisation:
    by_room: Table
    by_provider: Table
    by_day: Table


def _minutes(intervals: list[Interval]) -> float:
    return sum((i.end - i.start).total_seconds() for i in intervals) / 60


def _room_open_minutes(calendar: Calendar, room_id: int, day: dt.date) -> float:
    """Opening hours of the day less the room's closures within them."""
    total = 0.0
    for opened in calendar.clinic_open(day):
        minutes = (opened.end - opened.start).total_seconds()
        for closed in calendar.room_closures.get(room_id, []):
            start, end = max(opened.start, closed.start), min(opened.end, closed.end)
            if start < end:
                minutes -= (end - start).total_seconds()
        total += minutes / 60
    return total


def _provider_open_minutes(calendar: Calendar, provider_id: int, day: dt.date) -> float:
    if calendar.closed_because(day):
        return 0.0
    return _minutes(calendar.provider_hours(provider_id, day))


def _booked(filters: Filters) -> QuerySet[Appointment]:
    return (
        filters.cases()
        .filter(status__in=ACTIVE_STATUSES)
        .annotate(
            booked=(EpochSeconds("room_busy_until") - EpochSeconds("start")) / 60.0,
            day=local_day("start"),
        )
    )


def _percent(booked: float, opened: float) -> float | None:
    return round(100 * booked / opened, 1) if opened else None


def _row(name: str, booked: float, opened: float, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "booked_hours": round(booked / 60, 1),
        "open_hours": round(opened / 60, 1),
        "percent": _percent(booked, opened),
        **extra,
    }


COLUMNS = (
    Column("booked_hours", "Booked hours", "hours"),
    Column("open_hours", "Open hours", "hours"),
    Column("percent", "Utilisation", "percent"),
)


def utilisation(filters: Filters) -> Utilisation:
    rooms: list[Room] = list(rooms_active().order_by("site__name", "name"))
    providers: list[Provider] = list(providers_active().order_by("name"))
    if filters.room_id is not None:
        rooms = [r for r in rooms if r.pk == filters.room_id]
    if filters.provider_id is not None:
        providers = [p for p in providers if p.pk == filters.provider_id]
    calendar = Calendar.load(
        first=filters.first,
        last=filters.last,
        provider_ids=[p.pk for p in providers],
        room_ids=[r.pk for r in rooms],
    )
    days = list(days_between(filters.first, filters.last))
    booked = _booked(filters)
    by_room = dict(booked.values_list("room_id").annotate(total=Sum(F("booked"))))
    by_provider = dict(booked.values_list("provider_id").annotate(total=Sum(F("booked"))))
    by_day = dict(booked.values_list("day").annotate(total=Sum(F("booked"))))  # type: ignore[misc]

    room_open = {r.pk: sum(_room_open_minutes(calendar, r.pk, d) for d in days) for r in rooms}
    provider_open = {
        p.pk: sum(_provider_open_minutes(calendar, p.pk, d) for d in days) for p in providers
    }
    day_open: dict[dt.date, float] = defaultdict(float)
    for day in days:
        for room in rooms:
            day_open[day] += _room_open_minutes(calendar, room.pk, day)

    room_rows = [
        _row(f"{r.name} ({r.site.name})", by_room.get(r.pk) or 0.0, room_open[r.pk], id=r.pk)
        for r in rooms
    ]
    provider_rows = [
        _row(p.name, by_provider.get(p.pk) or 0.0, provider_open[p.pk], id=p.pk) for p in providers
    ]
    day_rows = [
        _row(f"{d:%a} {d.day} {d:%b}", by_day.get(d) or 0.0, day_open[d], day=d)
        for d in days
        if day_open[d] or by_day.get(d)
    ]
    return Utilisation(
        by_room=Table(
            slug="utilisation-rooms",
            title="Utilisation by room",
            definition=BOOKED_SENTENCE
            + " Open minutes are the clinic's opening hours on open days, less the room's "
            "closures.",
            columns=(Column("name", "Room"), *COLUMNS),
            rows=room_rows,
            empty="No active rooms match these filters.",
        ),
        by_provider=Table(
            slug="utilisation-providers",
            title="Utilisation by provider",
            definition=BOOKED_SENTENCE
            + " Open minutes are the provider's working hours on days the clinic is open, "
            "after days off and changed hours.",
            columns=(Column("name", "Provider"), *COLUMNS),
            rows=provider_rows,
            empty="No active providers match these filters.",
        ),
        by_day=Table(
            slug="utilisation-days",
            title="Utilisation per day, all rooms shown",
            definition=BOOKED_SENTENCE
            + " Each day adds up the rooms shown; days the clinic is closed are left out.",
            columns=(Column("day", "Day", "date"), *COLUMNS),
            rows=day_rows,
        ),
    )
