"""Read-side queries over appointments, shared by the API, the pages and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from scheduling.availability import local_day_bounds
from scheduling.models import Appointment


def appointments_with_context() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("patient", "procedure_type", "provider", "room")


def appointment_list(
    *,
    on_date: dt.date | None = None,
    provider_id: int | None = None,
    room_id: int | None = None,
    patient_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Appointment]:
    appointments = appointments_with_context()
    if on_date is not None:
        day_start, day_end = local_day_bounds(on_date)
        appointments = appointments.filter(start__gte=day_start, start__lt=day_end)
    if provider_id is not None:
        appointments = appointments.filter(provider_id=provider_id)
    if room_id is not None:
        appointments = appointments.filter(room_id=room_id)
    if patient_id is not None:
        appointments = appointments.filter(patient_id=patient_id)
    if status:
        appointments = appointments.filter(status=status)
    return appointments.order_by("start", "id")
