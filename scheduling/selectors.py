"""Read-side queries over appointments, shared by the API, the pages and the dashboard."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from clinic.models import Equipment, EquipmentKind, Provider, Room
from procedures import versioned
from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling.attention import attention_list
from scheduling.availability import days_between, local_date, local_day_bounds
from scheduling.models import (
    Appointment,
    AppointmentHold,
    ChecklistItem,
    FollowUp,
    Reminder,
    Status,
)
from scheduling.workflow import PRIOR_AUTH


def kept_rooms() -> dict[int, Room]:
    """Every room by id, kept per process and rules version (the triggers cover rooms)."""
    return versioned.kept("rooms", lambda: {r.pk: r for r in Room.objects.all()})


def kept_equipment() -> dict[int, Equipment]:
    """Every unit of shared equipment by id, with its kind and site, kept per process and
    rules version (the triggers cover equipment, its kinds and sites)."""
    return versioned.kept(
        "equipment", lambda: {u.pk: u for u in Equipment.objects.select_related("kind", "site")}
    )


def kept_equipment_kinds() -> dict[int, EquipmentKind]:
    """Every kind of shared equipment by id, kept per process and rules version."""
    return versioned.kept("equipment_kinds", lambda: EquipmentKind.objects.in_bulk())


def kept_providers() -> dict[int, Provider]:
    """Every provider by id, kept per process and rules version."""
    return versioned.kept("providers", lambda: {p.pk: p for p in Provider.objects.all()})


def appointments_with_context() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "patient", "procedure_type", "provider", "room", "equipment__kind"
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
        # The case's day on the clinic's clock: an authorization still covers its last day.
        start__date__gt=OuterRef("valid_to"),
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


# --- The scheduler's desk ------------------------------------------------------------------------

# How far ahead the desk looks for cases that need someone to act before the day comes.
ATTENTION_DAYS = 14


def cases_by_day(first: dt.date, last: dt.date) -> dict[dt.date, list[Appointment]]:
    """Every case on these clinic days, in time order, keyed by day (days without cases too).

    One query whatever the number of cases: the day is found from each case's start on the
    clinic's clock, so a case at 21:30 UTC still belongs to the clinic's day.
    """
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    days: dict[dt.date, list[Appointment]] = {day: [] for day in days_between(first, last)}
    cases = (
        Appointment.objects.filter(start__gte=start, start__lt=end)
        .select_related("patient", "procedure_type", "provider", "room")
        .order_by("start", "id")
    )
    for case in cases:
        days[local_date(case.start)].append(case)
    return days


class AttentionKind(StrEnum):
    # A hold that can no longer be met, or a case left outside hours: moving it is the fix.
    FLAGGED = "flagged"
    AUTHORIZATION_MISSING = "authorization_missing"
    AUTHORIZATION_ENDS_BEFORE = "authorization_ends_before"


@dataclass(frozen=True)
class AttentionReason:
    kind: AttentionKind
    text: str

    @property
    def needs_rescheduling(self) -> bool:
        return self.kind == AttentionKind.FLAGGED


@dataclass(frozen=True)
class CaseNeedingAttention:
    case: Appointment
    reasons: tuple[AttentionReason, ...]

    @property
    def needs_rescheduling(self) -> bool:
        return any(reason.needs_rescheduling for reason in self.reasons)


def cases_needing_attention(
    *, today: dt.date, days: int = ATTENTION_DAYS
) -> list[CaseNeedingAttention]:
    """Scheduled cases someone must act on before they happen, each with its reasons in words.

    A case is listed when, from today to `days` ahead, it is flagged (`attention`: a hold no
    longer met, hours or a room that changed under it, rules that now refuse it; one reason
    each) or its prior authorization item is
    open; and, further ahead, when its approved authorization ends within `days` before it
    (the same list as `authorizations_expiring_before_case`). An authorization renewed in
    time closes the checklist item, so a renewed case is not listed. A fixed number of
    queries, whatever the number of cases.
    """
    start, _ = local_day_bounds(today)
    _, end = local_day_bounds(today + dt.timedelta(days=days))
    ending = authorizations_expiring_before_case(within_days=days)
    authorization_open = ChecklistItem.objects.filter(
        appointment=OuterRef("pk"), code=PRIOR_AUTH, done=False
    )
    in_window = Q(start__lt=end)
    ending_later = Q(pk__in=[row.case_id for row in ending])  # type: ignore[attr-defined]
    cases = list(
        # The window and the few later cases first, so the database reads a bounded range of
        # the start index rather than every case booked for the next months.
        Appointment.objects.filter(status=Status.SCHEDULED, start__gte=start)
        .filter(in_window | ending_later)
        .annotate(authorization_open=Exists(authorization_open))
        .filter(
            (in_window & (~Q(attention="") | Q(authorization_open=True)))
            | (ending_later & Q(authorization_open=True))
        )
        .select_related("patient", "procedure_type", "provider", "room")
        .order_by("start", "id")
    )
    authorizations = authorizations_of({case.patient_id for case in cases})
    listed = []
    for case in cases:
        reasons = [
            AttentionReason(AttentionKind.FLAGGED, flag["detail"]) for flag in attention_list(case)
        ]
        if case.authorization_open:  # type: ignore[attr-defined]
            held = authorizations.get((case.patient_id, case.procedure_type_id), [])
            reasons.append(authorization_reason(case, held))
        listed.append(CaseNeedingAttention(case=case, reasons=tuple(reasons)))
    return listed


def authorizations_of(
    patient_ids: set[int],
) -> dict[tuple[int, int], list[PriorAuthorization]]:
    """Approved and requested authorizations of these patients per procedure, latest end first."""
    found: dict[tuple[int, int], list[PriorAuthorization]] = {}
    rows = PriorAuthorization.objects.filter(
        patient_id__in=patient_ids,
        status__in=[AuthorizationStatus.APPROVED, AuthorizationStatus.REQUESTED],
    ).order_by("-valid_to", "-pk")
    for row in rows:
        found.setdefault((row.patient_id, row.procedure_type_id), []).append(row)
    return found


def authorization_reason(
    case: Appointment, authorizations: list[PriorAuthorization]
) -> AttentionReason:
    """Why the case's prior authorization item is open, in the words a scheduler acts on."""
    day, today = local_date(case.start), timezone.localdate()
    # Approved, still valid today, but over before the case: the payer can extend it.
    ending = next(
        (
            a
            for a in authorizations
            if a.status == AuthorizationStatus.APPROVED
            and a.valid_to is not None
            and today <= a.valid_to < day
        ),
        None,
    )
    if ending is not None and ending.valid_to is not None:
        return AttentionReason(
            AttentionKind.AUTHORIZATION_ENDS_BEFORE,
            f"Prior authorization {ending.number} ends on {_spoken(ending.valid_to)}, "
            f"before this case on {_spoken(day)}: ask the payer to extend it.",
        )
    text = f"Prior authorization missing: none approved covers {_spoken(day)}."
    if any(a.status == AuthorizationStatus.REQUESTED for a in authorizations):
        text += " A request is waiting for the payer's answer."
    return AttentionReason(AttentionKind.AUTHORIZATION_MISSING, text)


def _spoken(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def appointment_case(pk: int) -> Appointment | None:
    """The case with its patient, places, holds, checklist (with its templates and who ticked
    or changed each item), reminders and follow-ups."""
    return (
        appointments_with_context()
        .select_related("patient__payer", "outcome_recorded_by")
        .prefetch_related(
            Prefetch(
                "checklist_items",
                queryset=ChecklistItem.objects.select_related(
                    "template", "done_by", "changed_by"
                ).order_by("order", "code"),
            ),
            Prefetch("reminders", queryset=Reminder.objects.order_by("due_at", "id")),
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.select_related("recorded_by").order_by(
                    "assessed_on", "id"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )
