"""When and where: opening and working hours, closures, and appointments.

The guarantee that no provider, room or patient is in two active appointments at once is
the database's: on PostgreSQL, exclusion constraints over time ranges (below); on SQLite,
immediate transactions around the same overlap check the slot search uses.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

from clinic.models import Equipment, Patient, Provider, Room
from clinic.validators import validate_clinic_date
from procedures.choices import Region, Side
from procedures.models import ProcedureType
from procedures.validators import validate_levels


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(models.Model):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        abstract = True
        ordering = ["weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ClinicHours(WeeklyHours):
    """When the clinic's rooms are open, in clinic local time."""

    class Meta(WeeklyHours.Meta):
        verbose_name_plural = "clinic hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="clinic_hours_start_before_end"
            )
        ]


class WorkingHours(WeeklyHours):
    """A provider's regular week, in clinic local time. Several rows a day make split shifts."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="working_hours")

    class Meta(WeeklyHours.Meta):
        verbose_name_plural = "working hours"
        ordering = ["provider", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="working_hours_start_before_end"
            )
        ]


class ProviderDayException(models.Model):
    """A dated change to a provider's week: a day off (no times) or other hours that day.

    All rows for a date replace the weekly hours of that date, so a half day is one row
    with the morning's times, and vacation is one row a day with no times.
    """

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(validators=[validate_clinic_date])
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["provider", "date", "start_time"]
        indexes = [models.Index(fields=["date"], name="provider_exception_date")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | Q(start_time__lt=F("end_time")),
                name="exception_off_or_valid_hours",
            )
        ]

    def __str__(self) -> str:
        if self.start_time is None:
            return f"{self.provider} off on {self.date}"
        return f"{self.provider} on {self.date}: {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class ClinicDay(models.Model):
    """A dated override of the clinic calendar: closed (a snow day), or open on a holiday."""

    date = models.DateField(unique=True, validators=[validate_clinic_date])
    closed = models.BooleanField(
        default=True, help_text="Unticked: the clinic opens on this public holiday."
    )
    name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'closed' if self.closed else 'open'} {self.name}".strip()


class RoomClosure(models.Model):
    """A room out of use for a while (maintenance, equipment service)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="closures")
    starts_at = models.DateTimeField(validators=[validate_clinic_date])
    ends_at = models.DateTimeField(validators=[validate_clinic_date])
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["room", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="room_closure_start_before_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.room} closed {self.starts_at:%Y-%m-%d %H:%M}"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No show"


class CancelCause(models.TextChoices):
    """Why a case was cancelled, for the manager's dashboard. The first three are the
    cancellations this product exists to prevent."""

    HOLD_NOT_MET = "hold_not_met", "Blood thinner hold not met"
    CHECKLIST_INCOMPLETE = "checklist_incomplete", "Checklist incomplete"
    AUTHORIZATION_MISSING = "authorization_missing", "Prior authorization missing"
    PATIENT_ILL = "patient_ill", "Patient ill"
    NO_DRIVER = "no_driver", "No driver"
    NPO_NOT_FOLLOWED = "npo_not_followed", "Did not keep nil by mouth"
    IMAGING_MISSING = "imaging_missing", "Imaging missing"
    PATIENT_REQUEST = "patient_request", "Patient asked to cancel"
    PROVIDER_UNAVAILABLE = "provider_unavailable", "Provider unavailable"
    ROOM_OR_EQUIPMENT = "room_or_equipment", "Room or equipment"
    OTHER = "other", "Other"


# Appointments in these states hold their provider, room and patient; the others free them.
ACTIVE_STATUSES = (Status.SCHEDULED, Status.CHECKED_IN, Status.COMPLETED)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL and is left out elsewhere.

    On SQLite the same guarantee comes from immediate transactions in the booking service.
    """

    def create_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def constraint_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        # The booking service checks overlaps itself; the database enforces them on commit.
        return None


def _no_overlap(name: str, resource: str, until: str) -> PostgresExclusionConstraint:
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (TsTzRange("start", until, RangeBoundary()), RangeOperators.OVERLAPS),
            (resource, RangeOperators.EQUAL),
        ],
        condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
        violation_error_code="slot_unavailable",
    )


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=10, choices=Region.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    # The unit of shared equipment the procedure needs (an RF generator), busy for the case.
    equipment = models.ForeignKey(
        Equipment, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    # Spinal levels treated (`L4-L5`, `S1`); empty when not given, which the level rules
    # read as one level, and the pathway rules as matching every level.
    levels = models.JSONField(default=list, blank=True, validators=[validate_levels])
    start = models.DateTimeField()
    end = models.DateTimeField()
    # End plus the room's turnover when booked: the room is not free again before this.
    room_busy_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # Sedation planned for this case: chosen at booking, the catalog giving the default.
    sedation = models.BooleanField(default=False)
    cancel_reason = models.TextField(blank=True)
    cancel_cause = models.CharField(max_length=24, choices=CancelCause.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    check_in_override_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True)
    # Set when something changed after booking that the team must look at (a hold that
    # can no longer be met after a new medication, say); cleared when resolved.
    attention = models.TextField(blank=True)
    attention_at = models.DateTimeField(null=True, blank=True)
    # Each source of attention owns one sentence ("hold", "rules"): `attention` is their
    # sentences joined, so one source clearing its own leaves the others standing.
    attention_sources = models.JSONField(default=dict, blank=True)
    # The outcome: relief of the index pain, entered directly or from 0-10 scores.
    relief_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    pain_before = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    pain_after = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # iCalendar SEQUENCE: one up on every change a calendar shows (a move, a status), so
    # subscribed calendars and the patient's .ics take the newer version of the event. The
    # database's default too: rows written by SQL (imports, the benchmark clinic) start at 0.
    sequence = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["start"], name="appointment_start"),
            # Busy-interval reads skip cancelled and no-show rows, often most of the table.
            models.Index(
                fields=["start"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="appointment_active_start",
            ),
            models.Index(fields=["provider", "start"], name="appointment_provider_start"),
            models.Index(fields=["room", "start"], name="appointment_room_start"),
            models.Index(fields=["patient", "start"], name="appointment_patient_start"),
            # A patient's cases of one procedure in date order: the pathway steps (first and
            # second block, ablation, trial, implant) the dashboard and stuck lists look for.
            models.Index(
                fields=["patient", "procedure_type", "start"],
                name="appointment_patient_procedure",
            ),
            # The case whose turnover ends as another starts in the same room: back-to-back
            # pairs for the dashboard's turnover.
            models.Index(fields=["room", "room_busy_until"], name="appointment_room_busy_until"),
            # Cancelled cases by their date: the dashboard's cancellations read a range of them,
            # a twentieth of the table, without walking every case of the range.
            models.Index(
                fields=["start"],
                condition=Q(status="cancelled"),
                name="appointment_cancelled_start",
            ),
            # Cancellations by when they happened (stuck patients after a cancelled case).
            models.Index(
                fields=["cancelled_at"],
                condition=Q(status="cancelled"),
                name="appointment_cancelled_at",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="appointment_has_length"),
            models.CheckConstraint(
                condition=Q(end__lte=F("room_busy_until")), name="turnover_not_negative"
            ),
            _no_overlap("no_provider_overlap", "provider", "end"),
            _no_overlap("no_room_overlap", "room", "room_busy_until"),
            _no_overlap("no_patient_overlap", "patient", "end"),
            # NULL = NULL is not true, so cases without equipment never clash here.
            _no_overlap("no_equipment_overlap", "equipment", "end"),
        ]

    def __str__(self) -> str:
        when = timezone.localtime(self.start)
        return f"{self.procedure_type.code} for {self.patient} at {when:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start
