"""The exceptions a manager asks about: checklist overrides, prior authorizations that are
ending or missing before cases that need them, and booked cases flagged for attention.

Each measure costs a fixed number of queries whatever the number of rows: a main read, then
one read per kind of detail for all its rows together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, DateField, Exists, OuterRef, Subquery, Window
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEvent
from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling.attention import attention_list
from scheduling.availability import Calendar, clinic_zone, local_day_bounds
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import Appointment, ChecklistItem, Status
from scheduling.selectors import authorization_reason, authorizations_of
from scheduling.workflow import PRIOR_AUTH

# Written by the check-in service when a nurse checks in with required items still open.
CHECK_IN_OVERRIDE = "appointment.check_in_override"
# How far ahead the pipeline looks for its working days, whatever closures come first.
WORKING_DAYS_HORIZON = dt.timedelta(days=366)


def _patient_url(patient_id: int) -> str:
    return reverse("patient", args=[patient_id])


def _case_url(case_id: int) -> str:
    return reverse("appointment", args=[case_id])


# --- Checklist overrides -------------------------------------------------------------------------


def checklist_overrides(filters: Filters, limit: int | None = None) -> Table:
    """Check-ins done with required items open, for cases in the range: who, which, why."""
    start, end = filters.bounds
    # Only cases checked in over open items carry a reason: a narrow set to match events to.
    case_keys = (
        filters.cases()
        .exclude(check_in_override_reason="")
        .order_by()
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    overrides = AuditEvent.objects.filter(
        action=CHECK_IN_OVERRIDE,
        object_type=Appointment._meta.label_lower,
        object_id__in=Subquery(case_keys),
        # Check-in opens only on the case's own day, so the override was written within the
        # range too: this lets the database start from the audit trail's time index.
        at__gte=start,
        at__lt=end,
    )
    # The total rides along as a window count, so a long list costs no second query.
    listed = (
        overrides.select_related("actor").annotate(total=Window(Count("pk"))).order_by("-at", "-pk")
    )
    events = list(listed[:limit] if limit is not None else listed)
    total = events[0].total if events else 0  # type: ignore[attr-defined]
    case_ids = {int(event.object_id) for event in events}
    cases = Appointment.objects.select_related("patient", "procedure_type").in_bulk(case_ids)
    # The items' labels as the case's checklist had them: the event keeps only their codes.
    labels: dict[tuple[int, str], str] = {
        (case_id, code): label
        for case_id, code, label in ChecklistItem.objects.filter(
            appointment_id__in=case_ids
        ).values_list("appointment_id", "code", "label")
    }
    zone = clinic_zone()
    rows: list[dict[str, Any]] = []
    for event in events:
        case = cases.get(int(event.object_id))
        if case is None:  # the filter found it a moment ago; deleted since
            continue
        codes = (event.changes or {}).get("open_items", [])
        actor = event.actor
        rows.append(
            {
                "at": event.at.astimezone(zone),
                "case": f"{case.procedure_type.name} at {case.start.astimezone(zone):%H:%M}",
                "case_url": _case_url(case.pk),
                "patient": case.patient.full_name,
                "patient_id": case.patient_id,
                "patient_url": _patient_url(case.patient_id),
                "who": (actor.get_full_name() or actor.get_username()) if actor else None,
                "items": "; ".join(labels.get((case.pk, code), code) for code in codes),
                "reason": event.reason,
            }
        )
    return Table(
        slug="checklist-overrides",
        title="Checklist overrides",
        definition=(
            "Cases in this range checked in while required checklist items were still open: "
            "who checked the patient in, which items were open, and the reason they gave."
        ),
        columns=[
            Column("at", "When", "datetime"),
            Column("case", "Case", link_key="case_url"),
            Column("patient", "Patient", link_key="patient_url"),
            Column("who", "Checked in by"),
            Column("items", "Open items"),
            Column("reason", "Reason given"),
        ],
        rows=rows,
        empty="No check-in overrode the checklist in this range.",
        total_rows=total if limit is not None else None,
    )


# --- Authorizations expiring ---------------------------------------------------------------------


def authorizations_expiring(filters: Filters, limit: int | None = None) -> Table:
    """Approved authorizations ending in the next DASHBOARD_EXPIRING_DAYS days, each with the
    patient's next scheduled case of that procedure and whether an authorization covers it."""
    today = timezone.localdate()
    days = settings.DASHBOARD_EXPIRING_DAYS
    from_today, _ = local_day_bounds(today)
    # The same question as the desk's `authorizations_expiring_before_case`, asked of every
    # ending authorization: the patient's next case of that procedure, if any.
    next_case = Appointment.objects.filter(
        patient_id=OuterRef("patient_id"),
        procedure_type_id=OuterRef("procedure_type_id"),
        status=Status.SCHEDULED,
        start__gte=from_today,
    ).order_by("start", "pk")
    ending = PriorAuthorization.objects.filter(
        status=AuthorizationStatus.APPROVED,
        valid_to__gte=today,
        valid_to__lte=today + dt.timedelta(days=days),
    )
    # Provider and room belong to cases, not to authorizations: those filters do not apply.
    if filters.procedure_id is not None:
        ending = ending.filter(procedure_type_id=filters.procedure_id)
    if filters.payer_id is not None:
        ending = ending.filter(payer_id=filters.payer_id)
    # Whether an approved authorization (this one or a renewal) covers the next case's day,
    # asked of the database alongside, rather than reading every authorization of the patients.
    covering = PriorAuthorization.objects.filter(
        patient_id=OuterRef("patient_id"),
        procedure_type_id=OuterRef("procedure_type_id"),
        status=AuthorizationStatus.APPROVED,
        valid_from__lte=OuterRef("next_case_day"),
        valid_to__gte=OuterRef("next_case_day"),
    )
    listed = (
        ending.annotate(
            next_case_id=Subquery(next_case.values("pk")[:1]),
            next_case_start=Subquery(next_case.values("start")[:1]),
            next_case_day=Subquery(
                next_case.annotate(day=local_day("start")).values("day")[:1],
                output_field=DateField(),
            ),
        )
        .annotate(next_case_covered=Exists(covering), total=Window(Count("pk")))
        .order_by("valid_to", "patient__last_name", "patient__first_name", "pk")
        # Plain values, not models: hundreds of rows, read for their text only.
        .values(
            "total",
            "patient_id",
            "patient__first_name",
            "patient__last_name",
            "procedure_type__name",
            "payer__name",
            "number",
            "valid_to",
            "next_case_id",
            "next_case_start",
            "next_case_covered",
        )
    )
    found = list(listed[:limit] if limit is not None else listed)
    total = found[0]["total"] if found else 0
    zone = clinic_zone()
    rows: list[dict[str, Any]] = []
    for authorization in found:
        case_id: int | None = authorization["next_case_id"]
        case_start: dt.datetime | None = authorization["next_case_start"]
        covered = None
        if case_start is not None:
            covered = (
                "Yes" if authorization["next_case_covered"] else "No: ask the payer to extend it"
            )
        rows.append(
            {
                "patient": (
                    f"{authorization['patient__first_name']} {authorization['patient__last_name']}"
                ),
                "patient_id": authorization["patient_id"],
                "patient_url": _patient_url(authorization["patient_id"]),
                "procedure": authorization["procedure_type__name"],
                "payer": authorization["payer__name"],
                "number": authorization["number"],
                "ends": authorization["valid_to"],
                "next_case": case_start.astimezone(zone) if case_start else None,
                "next_case_url": _case_url(case_id) if case_id else None,
                "covered": covered,
            }
        )
    notes = (
        ["The provider and room filters do not apply to authorizations."]
        if filters.provider_id is not None or filters.room_id is not None
        else []
    )
    return Table(
        slug="authorizations-expiring",
        title="Authorizations expiring",
        definition=(
            f"Approved prior authorizations whose last valid day is within the next {days} days "
            "from today (whatever the date range), with the patient's next scheduled case of "
            "that procedure and whether an approved authorization covers its date."
        ),
        columns=[
            Column("patient", "Patient", link_key="patient_url"),
            Column("procedure", "Procedure"),
            Column("payer", "Payer"),
            Column("number", "Number"),
            Column("ends", "Ends on", "date"),
            Column("next_case", "Next case", "datetime", link_key="next_case_url"),
            Column("covered", "Next case covered"),
        ],
        rows=rows,
        empty=f"No approved authorization ends in the next {days} days.",
        notes=notes,
        total_rows=total if limit is not None else None,
    )


# --- Authorization pipeline ----------------------------------------------------------------------


def working_days(first: dt.date, count: int) -> list[dt.date]:
    """The first `count` days from `first` (itself included) on which the clinic opens:
    weekly hours, closures and public holidays as the slot search sees them."""
    last = first + WORKING_DAYS_HORIZON
    # Only the clinic's own calendar is needed: no provider's or room's hours.
    calendar = Calendar.load(first=first, last=last, provider_ids=[], room_ids=[])
    found: list[dt.date] = []
    day = first
    while len(found) < count and day <= last:
        if calendar.clinic_open(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def authorization_pipeline(filters: Filters, limit: int | None = None) -> Table:
    """Scheduled cases in the next DASHBOARD_AUTH_WORKING_DAYS clinic days (today included)
    whose prior authorization item is still open, each with why, in the desk's words."""
    count = settings.DASHBOARD_AUTH_WORKING_DAYS
    days = working_days(timezone.localdate(), count)
    cases: list[Appointment] = []
    notes: list[str] = []
    if days:
        start, _ = local_day_bounds(days[0])
        _, end = local_day_bounds(days[-1])
        authorization_open = ChecklistItem.objects.filter(
            appointment=OuterRef("pk"), code=PRIOR_AUTH, done=False
        )
        cases = list(
            Appointment.objects.filter(
                filters.case_filter(),
                Exists(authorization_open),
                status=Status.SCHEDULED,
                start__gte=start,
                start__lt=end,
            )
            .select_related("patient__payer", "procedure_type")
            .annotate(total=Window(Count("pk")))
            .order_by("start", "pk")[:limit]
        )
        notes.append(f"Clinic days counted: {_day(days[0])} to {_day(days[-1])}.")
    total = cases[0].total if cases else 0  # type: ignore[attr-defined]
    held = authorizations_of({case.patient_id for case in cases})
    zone = clinic_zone()
    rows = [
        {
            "start": case.start.astimezone(zone),
            "patient": case.patient.full_name,
            "patient_id": case.patient_id,
            "patient_url": _patient_url(case.patient_id),
            "procedure": case.procedure_type.name,
            "payer": case.patient.payer.name if case.patient.payer else None,
            "case": f"Case {case.pk}",
            "case_url": _case_url(case.pk),
            "reason": authorization_reason(
                case, held.get((case.patient_id, case.procedure_type_id), [])
            ).text,
        }
        for case in cases
    ]
    return Table(
        slug="authorization-pipeline",
        title="Authorization pipeline",
        definition=(
            f"Scheduled cases on the next {count} days the clinic is open, today included, "
            "whose prior authorization is not yet on file: unless it comes in time, these "
            "are the cancellations of the coming days."
        ),
        columns=[
            Column("start", "When", "datetime"),
            Column("patient", "Patient", link_key="patient_url"),
            Column("procedure", "Procedure"),
            Column("payer", "Payer"),
            Column("case", "Case", link_key="case_url"),
            Column("reason", "Why"),
        ],
        rows=rows,
        empty=f"Every case on the next {count} clinic days has its prior authorization.",
        notes=notes,
        total_rows=total if limit is not None else None,
    )


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


# --- Booked cases needing attention ---------------------------------------------------------------


def cases_flagged(filters: Filters, limit: int | None = None) -> Table:
    """Upcoming scheduled cases flagged for attention (a hold that cannot be met, hours or a
    room that changed under them, rules that now refuse them), soonest first, whatever the
    date range: they are the cases to act on before they happen."""
    from_now = timezone.now()
    flagged = (
        Appointment.objects.filter(status=Status.SCHEDULED, start__gte=from_now)
        .exclude(attention="")
        .filter(filters.case_filter())
        .select_related("patient", "procedure_type", "provider")
        .annotate(total=Window(Count("pk")))
        .order_by("start", "pk")
    )
    found = list(flagged[:limit] if limit is not None else flagged)
    total = found[0].total if found else 0  # type: ignore[attr-defined]
    zone = clinic_zone()
    rows: list[dict[str, Any]] = [
        {
            "start": case.start.astimezone(zone),
            "case": f"{case.procedure_type.name} with {case.provider.name}",
            "case_url": _case_url(case.pk),
            "patient": case.patient.full_name,
            "patient_id": case.patient_id,
            "patient_url": _patient_url(case.patient_id),
            "why": " ".join(flag["detail"] for flag in attention_list(case)),
            "act": "Reschedule",
            "act_url": _case_url(case.pk) + "reschedule/",
        }
        for case in found
    ]
    return Table(
        slug="cases-needing-attention",
        title="Booked cases needing attention",
        definition=(
            "Scheduled cases from now on that a change has left unable to go ahead as booked: "
            "a blood thinner hold that can no longer be met, a provider, room or clinic no "
            "longer working at that time, a room no longer fit for the procedure, or rules "
            "that now refuse the case. Soonest first; the date range does not apply."
        ),
        columns=[
            Column("start", "When", "datetime"),
            Column("case", "Case", link_key="case_url"),
            Column("patient", "Patient", link_key="patient_url"),
            Column("why", "Why"),
            Column("act", "Act", link_key="act_url"),
        ],
        rows=rows,
        empty="No booked case needs attention.",
        total_rows=total if limit is not None else None,
    )
