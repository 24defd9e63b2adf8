"""Hours, closures, the clinic's days and the waitlist policy, as managers edit them
(audited); cases, reminders, waitlist entries and sent messages, as the services write them
(listed and shown, each look audited)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from clinic.admin_audit import AuditedAdmin, ReadOnlyAdmin
from clinic.admin_reads import ReadAuditedAdmin
from scheduling.models import (
    Appointment,
    ClinicDay,
    ClinicHours,
    ProviderDayException,
    Reminder,
    RoomClosure,
    SentSms,
    WaitlistEntry,
    WaitlistPolicy,
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


@admin.register(Appointment)
class AppointmentAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
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
class ReminderAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    list_display = ["due_at", "kind", "patient", "channel", "status", "attempts", "last_error"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "due_at"
    search_fields = ["patient__mrn", "patient__last_name", "last_error"]


@admin.register(SentSms)
class SentSmsAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    list_display = ["sent_at", "to", "body"]

    def patients_of(self, rows: Sequence[models.Model]) -> Iterable[int | None]:
        # A message keeps its reminder's idempotency key, not the patient: one query a page.
        keys = [row.idempotency_key for row in rows if isinstance(row, SentSms)]
        return Reminder.objects.filter(idempotency_key__in=keys).values_list(
            "patient_id", flat=True
        )


@admin.register(WaitlistPolicy)
class WaitlistPolicyAdmin(AuditedAdmin):
    """One row (seeded by migration): how freed slots are offered to waiting patients."""

    list_display = ["__str__", "offer_automatically", "reply_within_minutes", "notice_hours"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not WaitlistPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadAuditedAdmin, ReadOnlyAdmin):
    list_display = ["created_at", "patient", "procedure_type", "earliest", "latest", "status"]
    list_filter = ["status", "procedure_type"]
    search_fields = ["patient__mrn", "patient__last_name"]
