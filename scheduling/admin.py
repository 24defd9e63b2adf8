from django.contrib import admin

from clinic.admin_audit import AuditedAdmin
from scheduling.models import (
    Appointment,
    ClinicDay,
    ClinicHours,
    ProviderDayException,
    Reminder,
    RoomClosure,
    SentSms,
    WorkingHours,
)


@admin.register(ClinicHours)
class ClinicHoursAdmin(AuditedAdmin):
    list_display = ["weekday", "start_time", "end_time"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(AuditedAdmin):
    list_display = ["provider", "weekday", "start_time", "end_time"]
    list_filter = ["provider", "weekday"]


@admin.register(ProviderDayException)
class ProviderDayExceptionAdmin(AuditedAdmin):
    list_display = ["provider", "date", "start_time", "end_time", "reason"]
    list_filter = ["provider"]
    date_hierarchy = "date"


@admin.register(ClinicDay)
class ClinicDayAdmin(AuditedAdmin):
    list_display = ["date", "closed", "name"]


@admin.register(RoomClosure)
class RoomClosureAdmin(AuditedAdmin):
    list_display = ["room", "starts_at", "ends_at", "reason"]
    list_filter = ["room"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows changed only through the services (which audit them): viewable, not editable."""

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = [
        "start",
        "patient",
        "procedure_type",
        "region",
        "side",
        "provider",
        "room",
        "status",
    ]
    list_filter = ["status", "provider", "room", "procedure_type"]
    date_hierarchy = "start"
    search_fields = ["patient__mrn", "patient__last_name"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["due_at", "kind", "patient", "channel", "status", "attempts", "last_error"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "due_at"
    search_fields = ["patient__mrn", "patient__last_name", "last_error"]


@admin.register(SentSms)
class SentSmsAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "to", "body"]
