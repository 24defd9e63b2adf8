"""Pre-procedure checklist templates, and what needs a payer's prior authorization.

Templates are data: a manager edits labels, which are required, the order and limits. When
an item applies is one of a fixed set of conditions (the code knows how to test each one),
optionally narrowed to some procedures.
"""

from __future__ import annotations

from django.db import models

from clinic.models import Payer
from procedures.models.catalog import ProcedureType


class ChecklistCondition(models.TextChoices):
    ALWAYS = "always", "Always"
    PRIOR_AUTH = "prior_auth", "The procedure needs prior authorization for the patient's payer"
    HOLD_PLAN = "hold_plan", "A blood thinner is held"
    INR = "inr", "Warfarin or acenocoumarol is held"
    PRESCRIBER_DECIDES = (
        "prescriber_decides",
        "The hold table leaves a drug the patient takes to the prescriber",
    )
    DIABETIC_STEROID = "diabetic_steroid", "Diabetic patient and a steroid procedure"
    PREGNANCY_FLUORO = "pregnancy_fluoro", "Patient could be pregnant and fluoroscopy is used"
    CONTRAST = "contrast", "Fluoroscopy with contrast"
    CONTRAST_PREMEDICATION = (
        "contrast_premedication",
        "Patient allergic to contrast and the procedure uses contrast",
    )
    SEDATION = "sedation", "Sedation is planned"
    PROCEDURES = "procedures", "Only the procedures listed"


class ValueKind(models.TextChoices):
    NONE = "none", "A tick"
    NUMBER = "number", "A number"
    TEXT = "text", "Text"


class ChecklistItemTemplate(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=160)
    required = models.BooleanField(default=True, help_text="Open required items block check-in.")
    condition = models.CharField(max_length=24, choices=ChecklistCondition.choices)
    procedure_types = models.ManyToManyField(
        ProcedureType,
        blank=True,
        related_name="+",
        help_text="With the 'procedures' condition: the procedures it applies to.",
    )
    value_kind = models.CharField(max_length=8, choices=ValueKind.choices, default=ValueKind.NONE)
    value_label = models.CharField(max_length=60, blank=True, help_text='e.g. "INR", "mg/dL".')
    max_value = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Highest value that passes.",
    )
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label


class PayerPriorAuthorization(models.Model):
    """A payer that needs prior authorization for a procedure that otherwise does not."""

    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="+")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payer", "procedure_type"], name="one_payer_prior_auth")
        ]

    def __str__(self) -> str:
        return f"{self.payer} needs authorization for {self.procedure_type.code}"
