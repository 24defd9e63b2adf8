from django.contrib import admin

from clinic.admin_audit import AuditedAdmin
from clinic.models import AuditEvent, Patient, Payer, Provider, Room, Site


# Reference data a manager edits here is audited like the rules: deleting a payer, say,
# also deletes its rule-set link.
@admin.register(Payer)
class PayerAdmin(AuditedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["name", "address"]


@admin.register(Room)
class RoomAdmin(AuditedAdmin):
    list_display = ["name", "site", "fluoroscopy", "turnover_minutes", "active"]
    list_filter = ["site", "fluoroscopy", "active"]
    list_editable = ["turnover_minutes", "active"]


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    list_display = ["name", "npi", "active"]
    list_filter = ["active"]
    search_fields = ["name", "npi"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "last_name", "first_name", "birth_date", "payer", "preferred_channel"]
    list_filter = ["payer", "preferred_channel", "diabetic"]
    search_fields = ["mrn", "last_name", "first_name"]
    # Patients are changed through the app, which writes the audit trail.
    readonly_fields = [f.name for f in Patient._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "action", "reason"]
    readonly_fields = ["at", "actor", "action", "object_type", "object_id", "changes", "reason"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
