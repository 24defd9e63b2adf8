"""The catalog and the rule sets, as managers edit them; every edit is audited.

Patients' history and psychological evaluations are entered through the API, which
audits them, so the admin only lists them; each look at a patient's rows is audited too
(`ReadAuditedAdmin`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin_audit import AuditedAdmin, ReadOnlyAdmin
from clinic.admin_reads import ReadAuditedAdmin
from procedures.models import (
    ChecklistItemTemplate,
    DiagnosticStep,
    Drug,
    FacetPathwayRule,
    FrequencyLimit,
    HoldRule,
    LevelLimit,
    MinimumInterval,
    OneRegionPerSession,
    PatientMedication,
    PayerPriorAuthorization,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
    RegionalBleedingRisk,
    ReminderRule,
    ResponseRequirement,
    RuleSet,
    ScsPathwayRule,
)
from procedures.models.rules import PayerRuleSet
from procedures.signals import rules_changed

# --- Catalog ------------------------------------------------------------------------------------


class RegionalRiskInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RegionalBleedingRisk
    extra = 0


@admin.register(ProcedureType)
class ProcedureTypeAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "duration_minutes",
        "family",
        "bleeding_risk",
        "equipment_kind",
        "active",
    ]
    list_filter = ["family", "bleeding_risk", "requires_fluoroscopy", "equipment_kind", "active"]
    list_select_related = ["equipment_kind"]
    list_editable = ["duration_minutes", "active"]
    search_fields = ["code", "name"]
    inlines = [RegionalRiskInline]


class HoldRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    model = HoldRule
    extra = 0
    fields = [
        "bleeding_risk",
        "hold_days",
        "hold_hours",
        "inr_required",
        "prescriber_decides",
        "restart_hours",
    ]


@admin.register(Drug)
class DrugAdmin(AuditedAdmin):
    list_display = ["code", "name", "drug_class"]
    list_filter = ["drug_class"]
    search_fields = ["code", "name"]
    inlines = [HoldRuleInline]


@admin.register(PatientMedication)
class PatientMedicationAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    # Ending a medication keeps the row for the record; the API does that, and audits it.
    list_display = ["patient", "drug", "added_at", "ended_at"]
    list_filter = ["drug"]


# --- Rule sets ----------------------------------------------------------------------------------


class PayerLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PayerRuleSet
    extra = 0
    autocomplete_fields = ["payer"]
    verbose_name = "payer held to this rule set"
    verbose_name_plural = "payers held to this rule set (others get the default set)"


class RuleInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    autocomplete_fields = ["procedure_types"]


class FrequencyLimitInline(RuleInline):
    model = FrequencyLimit
    fields = [
        "name",
        "procedure_types",
        "scope",
        "max_sessions",
        "window_days",
        "stage",
        "active",
    ]


class MinimumIntervalInline(RuleInline):
    model = MinimumInterval
    fields = ["name", "procedure_types", "scope", "min_days", "active"]


class ResponseRequirementInline(RuleInline):
    model = ResponseRequirement
    fields = [
        "name",
        "procedure_types",
        "scope",
        "min_relief_percent",
        "lookback_days",
        "relief_lasting_days",
        "stage",
        "active",
    ]


class DiagnosticStepInline(RuleInline):
    model = DiagnosticStep
    autocomplete_fields = ["procedure_types", "step_procedure_types"]
    verbose_name = "diagnostic step"
    verbose_name_plural = "diagnostic steps (a block with enough relief first, side by side)"
    fields = ["name", "procedure_types", "step_procedure_types", "min_relief_percent", "active"]


class LevelLimitInline(RuleInline):
    model = LevelLimit
    autocomplete_fields = ["procedure_types", "session_procedure_types"]
    fields = [
        "name",
        "procedure_types",
        "session_procedure_types",
        "max_levels",
        "bilateral_allowed",
        "active",
    ]


class OneRegionPerSessionInline(RuleInline):
    model = OneRegionPerSession
    verbose_name = "one region per session"
    verbose_name_plural = "one region per session"
    fields = ["name", "procedure_types", "active"]


class FacetPathwayInline(admin.StackedInline):  # type: ignore[type-arg]
    model = FacetPathwayRule
    extra = 0
    autocomplete_fields = ["block_procedures", "ablation_procedure"]


class ScsPathwayInline(admin.StackedInline):  # type: ignore[type-arg]
    model = ScsPathwayRule
    extra = 0
    verbose_name = "SCS pathway rule"
    autocomplete_fields = ["trial_procedure", "implant_procedure"]


@admin.register(RuleSet)
class RuleSetAdmin(AuditedAdmin):
    list_display = ["code", "name", "is_default", "payer_codes"]
    search_fields = ["code", "name"]
    inlines = [
        PayerLinkInline,
        FrequencyLimitInline,
        MinimumIntervalInline,
        ResponseRequirementInline,
        DiagnosticStepInline,
        LevelLimitInline,
        OneRegionPerSessionInline,
        FacetPathwayInline,
        ScsPathwayInline,
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("payer_links__payer")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Booked cases the changed rules would refuse are flagged (scheduling listens).
        rules_changed.send(sender=RuleSet, rule_set=form.instance)

    def delete_model(self, request: HttpRequest, obj: RuleSet) -> None:
        super().delete_model(request, obj)
        # Its payers' patients fall back to the default set.
        rules_changed.send(sender=RuleSet, rule_set=None)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        rules_changed.send(sender=RuleSet, rule_set=None)

    @admin.display(description="payers")
    def payer_codes(self, rule_set: RuleSet) -> str:
        return ", ".join(sorted(link.payer.code for link in rule_set.payer_links.all()))


# --- Patients' history (entered through the API) ------------------------------------------------


@admin.register(ProcedureHistory)
class ProcedureHistoryAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    list_display = [
        "patient",
        "procedure_type",
        "region",
        "side",
        "performed_on",
        "relief_percent",
        "relief_duration_days",
        "entered_by",
        "entered_at",
    ]
    list_filter = ["procedure_type", "region"]
    search_fields = ["patient__mrn", "patient__last_name"]
    date_hierarchy = "performed_on"
    list_select_related = ["patient", "procedure_type", "entered_by"]


@admin.register(PsychEvaluation)
class PsychEvaluationAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    list_display = ["patient", "performed_on", "cleared", "entered_by", "entered_at"]
    list_filter = ["cleared"]
    search_fields = ["patient__mrn", "patient__last_name"]
    date_hierarchy = "performed_on"
    list_select_related = ["patient", "entered_by"]


# --- Reminder timings, checklist templates, authorizations --------------------------------------


@admin.register(ReminderRule)
class ReminderRuleAdmin(AuditedAdmin):
    list_display = [
        "kind",
        "procedure_type",
        "rule_set",
        "trigger",
        "anchor",
        "offset_minutes",
        "active",
    ]
    list_filter = ["kind", "trigger", "rule_set", "active"]
    list_editable = ["offset_minutes", "active"]


@admin.register(ChecklistItemTemplate)
class ChecklistItemTemplateAdmin(AuditedAdmin):
    list_display = ["order", "code", "label", "condition", "required", "value_kind", "active"]
    list_display_links = ["code"]
    list_filter = ["condition", "required", "active"]
    list_editable = ["order", "label", "required", "active"]
    filter_horizontal = ["procedure_types"]


@admin.register(PayerPriorAuthorization)
class PayerPriorAuthorizationAdmin(AuditedAdmin):
    list_display = ["payer", "procedure_type"]
    list_filter = ["payer"]


@admin.register(PriorAuthorization)
class PriorAuthorizationAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    # Changed through the API, which also re-checks the checklists of the booked cases.
    list_display = ["patient", "procedure_type", "payer", "status", "number", "valid_to"]
    list_filter = ["status", "payer", "procedure_type"]
    search_fields = ["patient__mrn", "patient__last_name", "number"]
