"""Prior authorizations: what a payer approved for a patient, and for how long."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clinic.models import Patient, Payer
from clinic.validators import validate_clinic_date
from procedures.models.catalog import ProcedureType


class AuthorizationStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class PriorAuthorization(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="authorizations")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=AuthorizationStatus.choices, default=AuthorizationStatus.REQUESTED
    )
    number = models.CharField(max_length=60, blank=True)
    approved_units = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True, validators=[validate_clinic_date])
    valid_to = models.DateField(null=True, blank=True, validators=[validate_clinic_date])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "-valid_to"]
        indexes = [models.Index(fields=["status", "valid_to"], name="authorization_status_to")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="authorization_window_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(valid_from__isnull=False) & Q(valid_to__isnull=False) & ~Q(number="")),
                name="approved_authorization_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_type.code} for {self.patient} ({self.status})"

    def covers(self, day: object) -> bool:
        return (
            self.status == AuthorizationStatus.APPROVED
            and self.valid_from is not None
            and self.valid_to is not None
            and self.valid_from <= day <= self.valid_to  # type: ignore[operator]
        )
