"""Read-side queries over appointments, shared by the API, the pages and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling.availability import local_day_bounds
from scheduling.models import Appointment, AppointmentHold, ChecklistItem, Status


def appointments_with_context() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "patient", "procedure_type", "provider", "room"
    ).prefetch_related(Prefetch("holds", queryset=AppointmentHold.objects.select_related("drug")))


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


def worklist_cases(first: dt.date, last: dt.date) -> QuerySet[Appointment]:
    """Cases on these days still ahead of the nurses, with everything the worklist shows."""
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    return (
        appointments_with_context()
        .filter(start__gte=start, start__lt=end, status__in=[Status.SCHEDULED, Status.CHECKED_IN])
        .prefetch_related(Prefetch("checklist_items", queryset=ChecklistItem.objects.all()))
        .order_by("start", "id")
    )


def holds_starting(first: dt.date, last: dt.date) -> QuerySet[AppointmentHold]:
    """Holds whose last dose falls on these days: the patient must stop then."""
    return (
        AppointmentHold.objects.filter(
            last_dose_on__range=(first, last), appointment__status=Status.SCHEDULED
        )
        .select_related("drug", "appointment__patient")
        .order_by("last_dose_on", "appointment__start")
    )


def authorizations_expiring_before_case(*, within_days: int) -> list[PriorAuthorization]:
    """Approved authorizations ending within N days whose patient has a case after the end."""
    today = timezone.localdate()
    later_case = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"),
        procedure_type_id=OuterRef("procedure_type_id"),
        status=Status.SCHEDULED,
        start__gte=OuterRef("valid_to"),
    ).order_by("start")
    rows = (
        PriorAuthorization.objects.filter(
            status=AuthorizationStatus.APPROVED,
            valid_to__gte=today,
            valid_to__lte=today + dt.timedelta(days=within_days),
        )
        .annotate(case_id=Subquery(later_case.values("pk")[:1]))
        .filter(case_id__isnull=False)
        .select_related("procedure_type", "payer")
        .order_by("valid_to", "pk")
    )
    found: list[PriorAuthorization] = list(rows)
    cases = Appointment.objects.in_bulk([r.case_id for r in found])  # type: ignore[attr-defined]
    for row in found:
        row.case_after_expiry = cases.get(row.case_id)  # type: ignore[attr-defined]
    return found
