"""Whether a room can host a procedure and whether everyone works at a time: one answer for
booking (which refuses) and for the re-plan of a booked case (which flags it)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.models import Provider, Room
from procedures.models import ProcedureType
from scheduling.availability import Calendar, local_date, room_suits


def _clock(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def room_problem(room: Room, procedure_type: ProcedureType) -> str:
    """Why the room cannot host the procedure, or ""."""
    if not room.active:
        return f"{room.name} is not in use."
    if not room_suits(room, procedure_type):
        return f"{room.name} cannot host {procedure_type.name}: it needs a fluoroscopy suite."
    return ""


def hours_problem(
    *,
    provider: Provider,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    calendar: Calendar | None = None,
) -> str:
    """Why the clinic, the provider or the room is not open for the whole case, or ""."""
    day = local_date(start)
    if calendar is None:
        calendar = Calendar.load(
            first=day, last=day, provider_ids=[provider.pk], room_ids=[room.pk]
        )
    closed = calendar.closed_because(day)
    if closed:
        return f"The clinic is closed on {day:%a %d %b %Y} ({closed})."
    if not provider.active or not calendar.provider_works(provider.pk, start, end):
        return f"{provider.name} is not working {_clock(start)}-{_clock(end)} on {day:%a %d %b %Y}."
    if not calendar.room_open(room.pk, start, end):
        return f"{room.name} is not open {_clock(start)}-{_clock(end)} on {day:%a %d %b %Y}."
    return ""
