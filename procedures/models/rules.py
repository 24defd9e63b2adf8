"""Rule sets: the clinical and payer rules as rows a manager edits.

A rule set is a bundle of typed rules. The clinic has one default set; a payer may be
assigned another. Every number here was seeded from DOMAIN.md by a data migration.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from clinic.models import Payer
from procedures.models.catalog import ProcedureType

Percent = [MinValueValidator(0), MaxValueValidator(100)]
Days = [MinValueValidator(1), MaxValueValidator(3650)]


class Scope(models.TextChoices):
    PATIENT = "patient", "Per patient"
    REGION = "region", "Per region"
    SIDE = "side", "Per region and side (bilateral counts for both)"


class Stage(models.TextChoices):
    ALL = "all", "Every session"
    DIAGNOSTIC = "diagnostic", "Diagnostic only (not after the facet pathway's positive blocks)"
    THERAPEUTIC = "therapeutic", "Therapeutic only (after the facet pathway's positive blocks)"


STAGE_HELP = (
    "The Medicare set counts facet joint injections apart: one after the facet pathway's "
    "positive blocks in that region group and side is therapeutic, before them diagnostic."
)
LastingDays = [MinValueValidator(0), MaxValueValidator(3650)]


class RuleSet(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    is_default = models.BooleanField(
        default=False, help_text="Applies to patients whose payer has no rule set of its own."
    )
    payers = models.ManyToManyField(Payer, through="PayerRuleSet", related_name="+", blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_rule_set",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PayerRuleSet(models.Model):
    """Which rule set a payer's patients are held to (a payer has at most one)."""

    payer = models.OneToOneField(Payer, on_delete=models.CASCADE, related_name="rule_set_link")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="payer_links")

    def __str__(self) -> str:
        return f"{self.payer} -> {self.rule_set}"


class RuleBase(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="%(class)ss")
    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["rule_set", "name"]

    def __str__(self) -> str:
        return self.name


class FrequencyLimit(RuleBase):
    """At most `max_sessions` sessions of these procedures in any rolling window of days."""

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.REGION)
    max_sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    window_days = models.PositiveSmallIntegerField(validators=Days)
    stage = models.CharField(
        max_length=12, choices=Stage.choices, default=Stage.ALL, help_text=STAGE_HELP
    )


class MinimumInterval(RuleBase):
    """Sessions of these procedures at least `min_days` apart (before or after a booked one)."""

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.REGION)
    min_days = models.PositiveSmallIntegerField(validators=Days)


class ResponseRequirement(RuleBase):
    """A repeat needs the previous session (within the lookback) to have given enough relief."""

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.REGION)
    min_relief_percent = models.PositiveSmallIntegerField(validators=Percent)
    lookback_days = models.PositiveSmallIntegerField(
        validators=Days, help_text="A previous session older than this does not make a repeat."
    )
    relief_lasting_days = models.PositiveSmallIntegerField(
        default=0,
        validators=LastingDays,
        help_text="How long that relief must have lasted: proved by a follow-up this many days "
        "or more after the previous session (or a history entry's duration). 0: the relief "
        "recorded for the session is enough.",
    )
    stage = models.CharField(
        max_length=12, choices=Stage.choices, default=Stage.ALL, help_text=STAGE_HELP
    )


class FacetPathwayRule(RuleBase):
    """Diagnostic blocks before an ablation, and when an ablation may be repeated."""

    block_procedures = models.ManyToManyField(ProcedureType, related_name="+")
    ablation_procedure = models.ForeignKey(
        ProcedureType, on_delete=models.PROTECT, related_name="+"
    )
    blocks_required = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    block_min_relief_percent = models.PositiveSmallIntegerField(validators=Percent)
    repeat_min_relief_percent = models.PositiveSmallIntegerField(validators=Percent)
    repeat_min_days = models.PositiveSmallIntegerField(validators=Days)
    repeat_relief_lasting_days = models.PositiveSmallIntegerField(
        default=0,
        validators=LastingDays,
        help_text="How long the last ablation's relief must have lasted for a repeat without "
        "new blocks: proved by a follow-up this many days or more after it. 0: the relief "
        "recorded for the ablation is enough.",
    )
    next_stage_within_days = models.PositiveSmallIntegerField(
        default=30,
        validators=Days,
        help_text="A patient with a positive block and no next block or ablation booked this "
        "many days later is listed on the dashboard's stuck patients.",
    )


class ScsPathwayRule(RuleBase):
    """Psychological clearance before a stimulator trial; a good trial before an implant."""

    trial_procedure = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    implant_procedure = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    psych_valid_days = models.PositiveSmallIntegerField(validators=Days)
    trial_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    trial_min_relief_percent = models.PositiveSmallIntegerField(validators=Percent)
    implant_within_days = models.PositiveSmallIntegerField(
        default=60,
        validators=Days,
        help_text="A patient whose trial gave enough relief and who has no implant booked this "
        "many days after the trial is listed on the dashboard's stuck patients.",
    )


class LevelLimit(RuleBase):
    """At most `max_levels` spinal levels a session of these procedures (too_many_levels).

    A session is the day's cases of these procedures in one region group, combined: a left
    and a right case booked apart add their levels; bilateral at one level is one level.
    """

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")
    session_procedure_types = models.ManyToManyField(
        ProcedureType,
        related_name="+",
        blank=True,
        help_text="Procedures whose same-day cases share the session and add their levels "
        "(every epidural for an epidural); empty: the procedures above.",
    )
    max_levels = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    bilateral_allowed = models.BooleanField(
        default=True, help_text="Unticked: a bilateral case is refused (one side at a time)."
    )


class OneRegionPerSession(RuleBase):
    """A session of these procedures treats one region group (one_region_per_session)."""

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")


class DiagnosticStep(RuleBase):
    """A procedure needs an earlier diagnostic step on that side with enough relief.

    DOMAIN.md: a therapeutic sacroiliac joint injection needs a diagnostic SI block there
    with at least 75% relief (an earlier SI joint injection with that relief, from before the
    diagnostic block existed, counts as the step).
    """

    procedure_types = models.ManyToManyField(ProcedureType, related_name="+")
    step_procedure_types = models.ManyToManyField(
        ProcedureType,
        related_name="+",
        help_text="Procedures that count as the diagnostic step.",
    )
    min_relief_percent = models.PositiveSmallIntegerField(validators=Percent)


class RulesVersion(models.Model):
    """One row whose token changes with every write to the reference tables.

    Database triggers (migrations 0026 and 0027) set a new random token on any insert,
    update or delete of the rule tables, their many-to-many tables, the payers' links, the
    catalog, and the other reference data a booking reads (hold table, templates, reminder
    rows, payers' lists, rooms, providers, the clinic's calendar), whoever writes: the admin,
    a migration, a script. Every process keeps what it has built beside the token it built
    it under (`procedures.versioned`), and reads the token (one small query) before using
    it: an edit anywhere is seen by every web and worker process at its next booking.
    Random, not counted: a rolled-back write can never make an old token come back with
    other rules behind it.
    """

    token = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "rules version"

    def __str__(self) -> str:
        return f"rules version {self.token}"
