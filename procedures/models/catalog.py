"""The catalog: procedures, drugs, their hold table, and each patient's current medications."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinic.models import Patient
from procedures.choices import BleedingRisk, Family, Region

# Minutes in a leap year.
YEAR_MINUTES = 366 * 24 * 60


class ProcedureType(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    cpt_codes = models.JSONField(
        default=list, help_text='CPT codes or ranges, e.g. ["64490-64495"].'
    )
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(720)]
    )
    family = models.CharField(max_length=20, choices=Family.choices)
    bleeding_risk = models.CharField(
        max_length=12,
        choices=BleedingRisk.choices,
        help_text="ASRA class; a region row below overrides it for that region.",
    )
    counts_as_regions = models.JSONField(
        default=list,
        blank=True,
        help_text="Regions a session counts for whatever region is recorded, e.g. caudal "
        'epidurals: ["lumbar", "sacral"]. Empty: the recorded region.',
    )
    diagnostic = models.BooleanField(default=False)
    requires_fluoroscopy = models.BooleanField(default=True)
    uses_contrast = models.BooleanField(default=False)
    steroid = models.BooleanField(default=False)
    sedation = models.BooleanField(default=False)
    equipment_kind = models.ForeignKey(
        "clinic.EquipmentKind",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Shared equipment a case needs for its whole length (a unit is booked with "
        "it). Empty: none beyond the room.",
    )
    prior_auth_required = models.BooleanField(
        default=False,
        help_text="A new payer's authorization list starts with this procedure (self-pay "
        "excepted). The payer's list decides the checklist item.",
    )
    notes = models.CharField(max_length=250, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class RegionalBleedingRisk(models.Model):
    """Where the region changes the risk class (cervical facet procedures are intermediate)."""

    procedure_type = models.ForeignKey(
        ProcedureType, on_delete=models.CASCADE, related_name="regional_risks"
    )
    region = models.CharField(max_length=10, choices=Region.choices)
    bleeding_risk = models.CharField(max_length=12, choices=BleedingRisk.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_type", "region"], name="one_risk_per_procedure_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_type.code} {self.region}: {self.bleeding_risk}"


class Drug(models.Model):
    class DrugClass(models.TextChoices):
        VITAMIN_K_ANTAGONIST = "vka", "Vitamin K antagonist"
        DOAC = "doac", "Direct oral anticoagulant"
        P2Y12 = "p2y12", "P2Y12 inhibitor"
        ANTIPLATELET = "antiplatelet", "Other antiplatelet"
        HEPARIN = "heparin", "Heparin (unfractionated or low-molecular-weight)"
        NSAID = "nsaid", "NSAID"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    drug_class = models.CharField(max_length=20, choices=DrugClass.choices)
    notes = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HoldRule(models.Model):
    """How long a drug is held before a procedure of a risk class, and when it restarts.

    Day counts are whole days without the drug before the procedure day; hour counts
    (heparins) are exact times for the nurse. Zero days and zero hours mean no hold.
    "Prescriber decides" (aspirin taken for secondary prevention, ASRA 2018) plans no hold
    at all: the case's checklist asks for the prescriber's recorded decision instead.
    """

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="hold_rules")
    bleeding_risk = models.CharField(max_length=12, choices=BleedingRisk.choices)
    hold_days = models.PositiveSmallIntegerField(default=0)
    hold_hours = models.PositiveSmallIntegerField(default=0)
    inr_required = models.BooleanField(
        default=False, help_text="An INR must be recorded on the day of the procedure."
    )
    restart_hours = models.PositiveSmallIntegerField(
        help_text="Hours after the procedure ends at which the drug may restart."
    )
    prescriber_decides = models.BooleanField(
        default=False,
        help_text="No automatic hold: the checklist asks for the prescriber's decision on "
        "this drug instead. Hold days and hours must then be zero.",
    )

    class Meta:
        ordering = ["drug__name", "bleeding_risk"]
        constraints = [
            models.UniqueConstraint(
                fields=["drug", "bleeding_risk"], name="one_hold_per_drug_risk"
            ),
            # A row that leaves the decision to the prescriber and also holds would plan a
            # hold the prescriber never chose.
            models.CheckConstraint(
                condition=models.Q(prescriber_decides=False)
                | models.Q(hold_days=0, hold_hours=0, inr_required=False),
                name="prescriber_decides_holds_nothing",
                violation_error_message="When the prescriber decides, hold days and hours are "
                "zero and no INR is planned.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug.code} at {self.bleeding_risk} risk"

    @property
    def holds(self) -> bool:
        return not self.prescriber_decides and bool(self.hold_days or self.hold_hours)


class PatientMedication(models.Model):
    """A drug the patient takes now. Removing it ends the row; history stays for the audit."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "drug__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "drug"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_medication_per_drug",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.drug_id}"


class ReminderRule(models.Model):
    """When a patient hears about a case: before it, or after it is completed.

    Offsets are minutes from the anchor (negative: before). Seeded from DOMAIN.md; managers
    edit them. A rule without a procedure applies to every procedure.
    """

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment"
        PAIN_DIARY = "pain_diary", "Pain diary"
        FOLLOW_UP = "follow_up", "Follow-up"
        RELIEF_FOLLOW_UP = "relief_follow_up", "Relief follow-up (proves how long relief lasted)"
        TRIAL_END = "trial_end", "Stimulator trial end"
        # Sent only to a contrast-allergic patient before a procedure that uses contrast; its
        # lead time is also the least notice booking accepts for such a case.
        PREMEDICATION = "premedication", "Contrast premedication"

    class Trigger(models.TextChoices):
        BOOKED = "booked", "When the case is booked (moves and cancels with it)"
        COMPLETED = "completed", "When the case is completed"

    class Anchor(models.TextChoices):
        START = "start", "The case's start"
        END = "end", "The case's end"

    procedure_type = models.ForeignKey(
        ProcedureType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    anchor = models.CharField(max_length=5, choices=Anchor.choices)
    # A year either way is the farthest a reminder could mean; more would overflow the date
    # arithmetic that places it.
    offset_minutes = models.IntegerField(
        help_text="Negative: before the anchor.",
        validators=[MinValueValidator(-YEAR_MINUTES), MaxValueValidator(YEAR_MINUTES)],
    )
    note = models.CharField(max_length=200, blank=True, help_text="Added to the message.")
    active = models.BooleanField(default=True)
    # Payers ask for relief proved at different times (ESI: 14 days by default, 3 months
    # under Medicare), so a row may belong to one rule set.
    rule_set = models.ForeignKey(
        "procedures.RuleSet",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder_rules",
        help_text="Only for patients held to this rule set, in place of the rows without a "
        "rule set of the same kind and procedure. Empty: every rule set.",
    )

    class Meta:
        ordering = ["trigger", "kind", "procedure_type__code"]

    def __str__(self) -> str:
        which = self.procedure_type.code if self.procedure_type else "every procedure"
        under = f" under {self.rule_set.code}" if self.rule_set is not None else ""
        return f"{self.get_kind_display()} for {which}{under}"
