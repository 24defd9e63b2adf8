"""What was done before: procedures elsewhere (or before this service) and psych evaluations.

History rows count exactly like procedures done here: the rules read both alike.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from clinic.models import Patient
from clinic.validators import validate_clinic_date
from procedures.choices import Region, Side
from procedures.models.catalog import ProcedureType
from procedures.rules.levels import stray_levels_error
from procedures.validators import validate_levels

# Ten years: longer than any lookback a payer asks about, and short enough that a typo
# (a year of days keyed as 36500) is refused rather than proving relief forever.
RELIEF_DURATION_MAX_DAYS = 3650


class ProcedureHistory(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="procedure_history")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=10, choices=Region.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    performed_on = models.DateField(validators=[validate_clinic_date])
    # Spinal levels treated; empty for older rows (the rules then match every level).
    levels = models.JSONField(default=list, blank=True, validators=[validate_levels])
    relief_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    # Payers ask how long relief lasted (DOMAIN.md, "relief that lasts"); for a procedure done
    # elsewhere that is only known from the patient or the outside records, often later, so it
    # may be added by editing the entry. Null: not known (yet); 0: it never lasted a day.
    relief_duration_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(RELIEF_DURATION_MAX_DAYS)],
        help_text="How long relief of at least 50% lasted, in days; empty if unknown.",
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

    def clean(self) -> None:
        if error := stray_levels_error(self.region, self.levels or []):
            raise ValidationError({"levels": error})
        # Relief cannot be known to have lasted past today: a duration reaching beyond it would
        # prove "relief lasting six months" for a procedure done last week.
        days, done = self.relief_duration_days, self.performed_on
        if days is None or not isinstance(done, dt.date):
            return
        so_far = (timezone.localdate() - done).days
        if days > so_far:
            raise ValidationError(
                {
                    "relief_duration_days": (
                        f"At most {max(so_far, 0)}: the procedure was on {done.isoformat()}, "
                        "and relief cannot have lasted beyond today."
                    )
                }
            )


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
