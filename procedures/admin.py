from django.contrib import admin

from procedures.models import Drug, HoldRule, PatientMedication, ProcedureType, RegionalBleedingRisk


class RegionalRiskInline(admin.TabularInline):
    model = RegionalBleedingRisk
    extra = 0


@admin.register(ProcedureType)
class ProcedureTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "duration_minutes", "family", "bleeding_risk", "active"]
    list_filter = ["family", "bleeding_risk", "requires_fluoroscopy", "active"]
    list_editable = ["duration_minutes", "active"]
    search_fields = ["code", "name"]
    inlines = [RegionalRiskInline]


class HoldRuleInline(admin.TabularInline):
    model = HoldRule
    extra = 0


@admin.register(Drug)
class DrugAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "drug_class"]
    list_filter = ["drug_class"]
    search_fields = ["code", "name"]
    inlines = [HoldRuleInline]


@admin.register(PatientMedication)
class PatientMedicationAdmin(admin.ModelAdmin):
    list_display = ["patient", "drug", "added_at", "ended_at"]
    list_filter = ["drug"]
    raw_id_fields = ["patient"]
    readonly_fields = ["patient", "drug", "added_at", "added_by", "ended_at"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
