"""Hours, closures, the clinic's days and the waitlist policy, as managers edit them
(audited); cases, reminders, waitlist entries and sent messages, as the services write them
(listed and shown, each look audited); providers' calendar links, issued and revoked through
their service (audited)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from clinic.admin_audit import AuditedAdmin, ReadOnlyAdmin
from clinic.admin_changelist import BoundedDatesAdmin
from clinic.admin_reads import ReadAuditedAdmin
from clinic.models import Provider
from scheduling.ical.feeds import IssuedLink, feed_issue, feed_revoke
from scheduling.models import (
    Appointment,
    CalendarFeed,
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


class CalendarFeedIssueForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CalendarFeed
        fields = ["provider"]
        help_texts = {
            "provider": "Providers who have a link already get a new one from the list's actions."
        }


@admin.register(CalendarFeed)
class CalendarFeedAdmin(BoundedDatesAdmin):
    """Providers' calendar links. Adding one issues a link; the list's actions issue a new
    link (the old one stops) or revoke it. Each goes through scheduling.ical.feeds, which
    writes the audit event; the rows are never edited or deleted here, so the record stays."""

    # Not an AuditedAdmin: the service writes the audit event, without the token's hash.
    audited_by_service = True
    form = CalendarFeedIssueForm
    list_display = ["provider", "state", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    actions = ["issue_new_link", "revoke_link"]

    @admin.display(description="link")
    def state(self, feed: CalendarFeed) -> str:
        return "Works" if feed.active else "Revoked"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("provider",) if obj is None else ("provider", "created_at", "revoked_at")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "provider":
            kwargs["queryset"] = Provider.objects.filter(calendar_feed__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("scheduling.add_calendarfeed")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        issued = feed_issue(provider=obj.provider, acting_user=request.user)
        # The admin goes on with `obj` (its log entry, its redirect): make it the saved row.
        obj.pk, obj.token_hash = issued.feed.pk, issued.feed.token_hash
        obj.created_at, obj.revoked_at = issued.feed.created_at, issued.feed.revoked_at
        obj._state.adding = False
        self._show_link(request, issued)

    @admin.action(description="Issue a new calendar link", permissions=["issue"])
    def issue_new_link(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset.select_related("provider"):
            self._show_link(request, feed_issue(provider=feed.provider, acting_user=request.user))

    @admin.action(description="Revoke the calendar link", permissions=["issue"])
    def revoke_link(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        names = []
        for feed in queryset.select_related("provider"):
            feed_revoke(feed=feed, acting_user=request.user)
            names.append(feed.provider.name)
        self.message_user(
            request,
            f"Revoked the calendar link of {', '.join(names)}: calendars subscribed to it "
            "get nothing new from now on.",
            messages.SUCCESS,
        )

    def _show_link(self, request: HttpRequest, issued: IssuedLink) -> None:
        url = request.build_absolute_uri(issued.path)
        self.message_user(
            request,
            f"New calendar link for {issued.feed.provider.name}: {url} "
            "Copy it now and give it to the provider only: it is not shown again. "
            "Any earlier link no longer works.",
            messages.SUCCESS,
        )
