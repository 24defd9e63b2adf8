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
from scheduling.availability import Calendar, days_between
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


def _room_open_minutes(calendar: Calendar, room_id: int, day: dt.date) -> float:
    """Opening hours of the day less the room's closures within them."""
    total = 0.0
    closures = calendar.room_closures.get(room_id, [])
    for opened in calendar.clinic_open(day):
        minutes = (opened.end - opened.start).total_seconds()
        for closed in closures:
            start, end = max(opened.start, closed.start), min(opened.end, closed.end)
            if start < end:
                minutes -= (end - start).total_seconds()
        total += minutes / 60
    return total


def _clock_minutes(start: dt.time, end: dt.time) -> int:
    # Working hours are clock times within one day; a change to or from summer time falls
    # at night, outside them, so their length is the clock's.
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _provider_open_minutes(calendar: Calendar, provider_id: int, day: dt.date) -> float:
    return float(sum(_clock_minutes(s, e) for s, e in calendar.provider_spans(provider_id, day)))


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
    # One scan of the range, grouped by room, provider and day (a few rows a day), summed
    # three ways here.
    by_room: dict[int, float] = defaultdict(float)
    by_provider: dict[int, float] = defaultdict(float)
    by_day: dict[dt.date, float] = defaultdict(float)
    groups = (
        _booked(filters)
        .values_list("room_id", "provider_id", "day")  # type: ignore[misc]
        .annotate(total=Sum(F("booked")))
        .order_by()
    )
    for room_id, provider_id, day, total in groups:
        by_room[room_id] += total
        by_provider[provider_id] += total
        by_day[day] += total

    room_open: dict[int, float] = defaultdict(float)
    provider_open: dict[int, float] = defaultdict(float)
    day_open: dict[dt.date, float] = defaultdict(float)
    for day in days:
        if calendar.closed_because(day):
            continue  # no room opens, and nobody works, on a day the clinic is closed
        for room in rooms:
            minutes = _room_open_minutes(calendar, room.pk, day)
            room_open[room.pk] += minutes
            day_open[day] += minutes
        for provider in providers:
            provider_open[provider.pk] += _provider_open_minutes(calendar, provider.pk, day)

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
