"""What belongs to one appointment besides its time: its hold plan and its checklist."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinic.validators import validate_clinic_date
from procedures.choices import BleedingRisk
from procedures.models import ChecklistItemTemplate, Drug
from scheduling.models.core import Appointment


class AppointmentHold(models.Model):
    """One drug held for one case: when the last dose is, and when it may restart."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="+")
    bleeding_risk = models.CharField(max_length=12, choices=BleedingRisk.choices)
    hold_days = models.PositiveSmallIntegerField(default=0)
    hold_hours = models.PositiveSmallIntegerField(default=0)
    # Day holds: the last day with the drug, and the first without it.
    last_dose_on = models.DateField(null=True, blank=True)
    first_day_without = models.DateField(null=True, blank=True)
    # Hour holds (heparins): the exact time of the last dose, for the nurse.
    last_dose_at = models.DateTimeField(null=True, blank=True)
    resume_at = models.DateTimeField()
    inr_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["appointment", "drug__name"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "drug"], name="one_hold_per_drug_case")
        ]

    def __str__(self) -> str:
        return f"{self.drug} held for appointment {self.appointment_id}"


class ChecklistItem(models.Model):
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="checklist_items"
    )
    template = models.ForeignKey(
        ChecklistItemTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=160)
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)
    done = models.BooleanField(default=False)
    value = models.CharField(max_length=120, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped by every change of `done` or `value`: a save that read an older version is
    # refused, so two nurses editing one item never overwrite each other silently.
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["appointment", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "code"], name="one_item_per_code_case")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({'done' if self.done else 'open'})"


class FollowUp(models.Model):
    """Relief at a later date than the case: how long the relief lasted (DOMAIN.md)."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="follow_ups"
    )
    assessed_on = models.DateField(validators=[validate_clinic_date])
    relief_percent = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    pain_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    pain_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["appointment", "assessed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(relief_percent__lte=100), name="follow_up_relief_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.relief_percent}% on {self.assessed_on} after case {self.appointment_id}"
