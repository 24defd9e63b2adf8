"""Read-side queries over people and places, shared by the API, the pages and the dashboard."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from clinic.models import AuditEvent, Patient, Provider, Room


def patient_search(query: str = "") -> QuerySet[Patient]:
    patients = Patient.objects.select_related("payer")
    # No stored name or MRN holds a NUL (the API refuses them), and PostgreSQL refuses a
    # query that contains one: drop it rather than fail the search.
    query = query.replace("\x00", "").strip()
    if query:
        patients = patients.filter(
            Q(mrn__iexact=query)
            | Q(last_name__istartswith=query)
            | Q(first_name__istartswith=query)
        )
    return patients


def providers_active() -> QuerySet[Provider]:
    return Provider.objects.filter(active=True)


def rooms_active() -> QuerySet[Room]:
    return Room.objects.filter(active=True).select_related("site")


def audit_trail(instance_label: str, object_id: object) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=instance_label, object_id=str(object_id))
