"""What was done before: procedures elsewhere (or before this service) and psych evaluations.

History rows count exactly like procedures done here: the rules read both alike.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models

from clinic.models import Patient
from clinic.validators import validate_clinic_date
from procedures.choices import Region, Side
from procedures.models.catalog import ProcedureType


class ProcedureHistory(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="procedure_history")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=10, choices=Region.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    performed_on = models.DateField(validators=[validate_clinic_date])
    relief_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    notes = models.CharField(max_length=250, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "-performed_on"]
        verbose_name_plural = "procedure history"
        indexes = [models.Index(fields=["patient", "performed_on"], name="history_patient_date")]

    def __str__(self) -> str:
        return f"{self.procedure_type.code} {self.region} {self.side} on {self.performed_on}"


class PsychEvaluation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="psych_evaluations")
    performed_on = models.DateField(validators=[validate_clinic_date])
    cleared = models.BooleanField()
    notes = models.CharField(max_length=250, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "-performed_on"]

    def __str__(self) -> str:
        return f"{'cleared' if self.cleared else 'not cleared'} on {self.performed_on}"
