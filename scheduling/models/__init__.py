"""Scheduling tables: the calendar, appointments, and their reminders."""

from scheduling.models.core import (
    ACTIVE_STATUSES,
    Appointment,
    CancelCause,
    ClinicDay,
    ClinicHours,
    PostgresExclusionConstraint,
    ProviderDayException,
    RoomClosure,
    Status,
    TsTzRange,
    Weekday,
    WorkingHours,
)
from scheduling.models.feeds import CalendarFeed
from scheduling.models.reminders import Reminder, ReminderKind, ReminderStatus, SentSms
from scheduling.models.waitlist import (
    LIVE_OFFERS,
    FreedReason,
    FreedSlot,
    OfferStatus,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistPolicy,
    WaitlistStatus,
)
from scheduling.models.workflow import AppointmentHold, ChecklistItem, FollowUp

__all__ = [
    "AppointmentHold",
    "ChecklistItem",
    "ACTIVE_STATUSES",
    "Appointment",
    "CalendarFeed",
    "CancelCause",
    "ClinicDay",
    "ClinicHours",
    "FollowUp",
    "FreedReason",
    "FreedSlot",
    "LIVE_OFFERS",
    "OfferStatus",
    "PostgresExclusionConstraint",
    "ProviderDayException",
    "Reminder",
    "ReminderKind",
    "ReminderStatus",
    "RoomClosure",
    "SentSms",
    "Status",
    "TsTzRange",
    "WaitlistEntry",
    "WaitlistMatch",
    "WaitlistPolicy",
    "WaitlistStatus",
    "Weekday",
    "WorkingHours",
]
