"""Reads over the audit trail: events naming a patient, for `GET /api/audit/?patient=` and
the patient page's "who looked at this patient"."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from clinic.models import AuditEvent, AuditKind


def naming_patient(events: QuerySet[AuditEvent], patient_id: int) -> QuerySet[AuditEvent]:
    """The events of `events` whose `patients` list holds `patient_id`.

    PostgreSQL answers JSON containment from the GIN index audit_patients_gin; Django offers
    no `contains` on SQLite's JSON, so there the list is searched with json_each.
    """
    if connection.vendor == "postgresql":
        return events.filter(patients__contains=[patient_id])
    return events.extra(  # noqa: S610 - a fixed condition with its value as a parameter
        where=["EXISTS (SELECT 1 FROM json_each(clinic_auditevent.patients) WHERE value = %s)"],
        params=[int(patient_id)],
    )


def events_naming_patient(patient_id: int) -> QuerySet[AuditEvent]:
    return naming_patient(AuditEvent.objects.all(), patient_id)


def reads_of_patient(patient_id: int) -> QuerySet[AuditEvent]:
    """Who looked at this patient: read events naming them, newest first."""
    return events_naming_patient(patient_id).filter(kind=AuditKind.READ).order_by("-at", "-id")
