from django.contrib import admin

# Registers the locked sign-ins list (django-axes' attempts) for managers.
from clinic import admin_lockouts  # noqa: F401
from clinic.admin_audit import AuditedAdmin, ReadOnlyAdmin
from clinic.admin_reads import ReadAuditedAdmin
from clinic.models import (
    AuditEvent,
    Equipment,
    EquipmentKind,
    Patient,
    Payer,
    Provider,
    Room,
    Site,
)


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


# Shared equipment: a procedure that needs a kind (the catalog's "equipment kind") takes a
# free unit of it at the room's site; a site without one cannot host the procedure.
@admin.register(EquipmentKind)
class EquipmentKindAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["code", "name"]


@admin.register(Equipment)
class EquipmentAdmin(AuditedAdmin):
    list_display = ["name", "kind", "site", "active"]
    list_filter = ["site", "kind", "active"]
    list_editable = ["active"]
    list_select_related = ["kind", "site"]
    search_fields = ["name"]


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin):
    list_display = ["name", "npi", "active"]
    list_filter = ["active"]
    search_fields = ["name", "npi"]


# Patients are changed through the app, which writes the audit trail; each look is audited.
@admin.register(Patient)
class PatientAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    patient_attribute = "pk"
    list_display = ["mrn", "last_name", "first_name", "birth_date", "payer", "preferred_channel"]
    list_filter = ["payer", "preferred_channel", "diabetic"]
    search_fields = ["mrn", "last_name", "first_name"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    # The username copied into the event: it names the actor after their account is gone.
    list_display = ["at", "kind", "actor_username", "action", "object_type", "object_id", "ip"]
    list_filter = ["kind", "action", "object_type"]
    search_fields = ["object_id", "action", "reason", "actor_username"]
