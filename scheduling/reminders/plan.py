"""Writing reminder rows, inside the transaction of the change that causes them.

The case plan (`scheduling.replan`) writes and replaces the booking reminders; cancelling
cancels them; completing writes the follow-ups here. Nothing here sends anything: a row that is
already due asks for a dispatch once the transaction has committed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from procedures.clock import QuietHours, clock_time
from procedures.models import ReminderRule
from procedures.plan import SENT_WHEN_DUE
from procedures.selectors import reminder_rules_for_set, rule_set_for_payer
from scheduling.availability import clinic_zone
from scheduling.models import Appointment, Reminder, ReminderKind, ReminderStatus
from scheduling.reminders import nudge

BOOKED, COMPLETED = ReminderRule.Trigger.BOOKED, ReminderRule.Trigger.COMPLETED


def quiet_hours() -> QuietHours:
    return QuietHours(
        clock_time(settings.REMINDER_QUIET_START),
        clock_time(settings.REMINDER_QUIET_END),
        clinic_zone(),
    )


def past_evening_cut_off(moment: dt.datetime) -> bool:
    """Whether the evening's quiet hours have begun on `moment`'s clinic day: a message due
    that day would go out only the next morning."""
    return quiet_hours().past_evening_start(moment)


def out_of_quiet_hours(moment: dt.datetime) -> dt.datetime:
    """A due time inside quiet hours (20:00-08:00 by default) moves to their end."""
    return quiet_hours().later(moment)


# Sent when due, quiet hours or not: the pain diary while the anaesthetic works (cases end in
# clinic hours), and premedication, which the plan already moved earlier out of quiet hours and
# which must reach the patient before the first dose (written late, it goes at once).
NOT_DEFERRED = SENT_WHEN_DUE | {ReminderKind.PREMEDICATION}


def when_due(kind: str, due_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When a reminder due at `due_at` is sent: not before it is written, and out of the
    quiet hours unless its kind cannot wait."""
    due = max(due_at, now)
    return due if kind in NOT_DEFERRED else out_of_quiet_hours(due)


def add_reminder(
    appointment: Appointment,
    kind: str,
    due_at: dt.datetime,
    *,
    trigger: str = BOOKED,
    context: dict[str, Any] | None = None,
) -> Reminder:
    now = timezone.now()
    due = when_due(kind, due_at, now)
    reminder = Reminder.objects.create(
        kind=kind,
        appointment=appointment,
        patient_id=appointment.patient_id,
        channel=appointment.patient.preferred_channel,
        due_at=due,
        next_attempt_at=due,
        planned_at=due_at,
        trigger=trigger,
        context=context or {},
    )
    if due <= now:
        # After the commit, so a worker finds the row; the nudge never fails the booking.
        transaction.on_commit(nudge.dispatch_soon)
    return reminder


def plan_completed(appointment: Appointment) -> list[Reminder]:
    """The reminders a completed case asks for (pain diary, follow-ups), by the patient's
    rule set. Booking reminders are the case plan's (`scheduling.replan`)."""
    rule_set = rule_set_for_payer(appointment.patient.payer_id)
    rows = ReminderRule.objects.filter(active=True, trigger=COMPLETED).filter(
        Q(procedure_type=appointment.procedure_type_id) | Q(procedure_type__isnull=True)
    )
    created = []
    for rule in reminder_rules_for_set(rows, rule_set.pk):
        anchor = appointment.start if rule.anchor == ReminderRule.Anchor.START else appointment.end
        # Offsets count on the clinic's clock (see procedures.plan).
        due = anchor.astimezone(clinic_zone()) + dt.timedelta(minutes=rule.offset_minutes)
        context = {"note": rule.note} if rule.note else {}
        created.append(
            add_reminder(appointment, rule.kind, due, trigger=COMPLETED, context=context)
        )
    return created


def cancel_pending(appointment: Appointment, *, kinds: Iterable[str] | None = None) -> int:
    pending = Reminder.objects.filter(appointment=appointment, status=ReminderStatus.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    return pending.update(status=ReminderStatus.CANCELLED, cancelled_at=timezone.now())
