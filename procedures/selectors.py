"""Read-side queries over the catalog and the patients' medications."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.models import Patient
from procedures.models import Drug, PatientMedication, ProcedureType


def procedure_types_active() -> QuerySet[ProcedureType]:
    return ProcedureType.objects.filter(active=True).prefetch_related("regional_risks")


def drugs_with_holds() -> QuerySet[Drug]:
    return Drug.objects.prefetch_related("hold_rules")


def current_medications(patient: Patient) -> QuerySet[PatientMedication]:
    return PatientMedication.objects.filter(patient=patient, ended_at__isnull=True).select_related(
        "drug"
    )
