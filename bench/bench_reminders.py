"""Reminder rows for the benchmark clinic: what the plan writes and the outbox leaves.

Every case gets the reminders its rules give (booked ones, and completed ones once done),
due when the plan would make them due (quiet hours included); those due before now went out
(2.5% failed, with the channel's error), those after are pending, and a cancelled case's
pending ones were cancelled with it. Cases in the window also get their holds' stop and
restart reminders.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from typing import Any

from bench_clinic import between
from bench_extras import case_holds, in_window
from bench_patients import Case, Patient
from bench_rows import Ids, Story, _dumps
from django.conf import settings

from scheduling.availability import clinic_zone
from scheduling.reminders.plan import clock_time, out_of_quiet_hours

FAILED_SHARE = 0.025
EMAIL_ERRORS = (
    "SMTP 550 5.1.1: mailbox unavailable",
    "SMTP 552 5.2.2: mailbox full",
    "Timed out connecting to the mail server",
)
SMS_ERRORS = (
    "SMS provider 30003: unreachable destination handset",
    "SMS provider 30006: landline or unreachable carrier",
    "SMS provider 21211: invalid 'To' phone number",
)

REMINDER_COLUMNS = [
    "id",
    "kind",
    "appointment_id",
    "patient_id",
    "channel",
    "due_at",
    "planned_at",
    "next_attempt_at",
    "status",
    "trigger",
    "context",
    "attempts",
    "last_error",
    "sent_at",
    "cancelled_at",
    "idempotency_key",
    "claim_token",
    "claimed_until",
    "created_at",
]


class Reminders:
    """Reminder rows as the plan writes them and the outbox leaves them."""

    def __init__(self, ids: Ids, patients: list[Patient], seed: int) -> None:
        self.ids, self.patients = ids, patients
        self.rng = random.Random(seed)
        self.pk = 0
        self.zone = clinic_zone()
        # Quiet hours wrap past midnight (20:00-08:00): the day is from their end to start.
        self.day_start = clock_time(settings.REMINDER_QUIET_END)
        self.day_end = clock_time(settings.REMINDER_QUIET_START)
        assert self.day_start < self.day_end

    def row(
        self,
        case_index: int,
        case: Case,
        kind: str,
        due: dt.datetime,
        trigger: str,
        created: dt.datetime,
        cancelled: dt.datetime | None,
        context: str = "{}",
    ) -> tuple[Any, ...]:
        self.pk += 1
        rng, now = self.rng, self.ids.now
        sms = self.patients[case.patient].sms
        status, attempts, error, sent, next_attempt = "pending", 0, "", None, due
        if cancelled is not None and cancelled < due:
            status = "cancelled"
        elif due <= now:
            if rng.random() < FAILED_SHARE:
                status, attempts = "failed", 5
                error = (SMS_ERRORS if sms else EMAIL_ERRORS)[self.pk % 3]
                next_attempt = due + dt.timedelta(minutes=15)
            else:
                status, attempts = "sent", 1
                sent = due + dt.timedelta(seconds=between(rng, 1, 90))
        return (
            self.pk,
            kind,
            case_index + 1,
            case.patient + 1,
            "sms" if sms else "email",
            due,
            due,  # planned_at: where the plan put it (no row here was moved by its writing)
            next_attempt,
            status,
            trigger,
            context,
            attempts,
            error,
            sent,
            cancelled if status == "cancelled" else None,
            uuid.UUID(int=self.pk),
            None,
            None,
            created,
        )

    def quiet(self, due: dt.datetime) -> dt.datetime:
        """`out_of_quiet_hours`, answered at once for the daytime most reminders fall in."""
        if self.day_start <= due.astimezone(self.zone).time() < self.day_end:
            return due
        return out_of_quiet_hours(due)

    def for_case(self, index: int, case: Case, story: Story) -> Iterator[tuple[Any, ...]]:
        proc_id = self.ids.proc_ids[case.slot.proc]
        for rule in self.ids.rules["booked"]:
            if rule.procedure_type_id not in (None, proc_id):
                continue
            anchor = story.start if rule.anchor == "start" else story.end
            # Offsets count on the clinic's clock, as the plan counts them.
            due = self.quiet(max(anchor.astimezone(self.zone) + rule.offset, story.created))
            if rule.kind == "appointment" and due >= story.start:
                continue  # booked too late to be reminded
            yield self.row(index, case, rule.kind, due, "booked", story.created, story.cancelled)
        if story.completed is None:
            return
        for rule in self.ids.rules["completed"]:
            if rule.procedure_type_id not in (None, proc_id):
                continue
            anchor = story.start if rule.anchor == "start" else story.end
            due = self.quiet(max(anchor.astimezone(self.zone) + rule.offset, story.completed))
            note = _dumps({"note": rule.note}) if rule.note else "{}"
            yield self.row(index, case, rule.kind, due, "completed", story.completed, None, note)


def reminder_rows(
    cases: list[Case], stories: list[Story], patients: list[Patient], ids: Ids, seed: int
) -> Iterator[tuple[Any, ...]]:
    """Every case's rule reminders, and the stop and restart reminders of its holds."""
    reminders = Reminders(ids, patients, seed)
    for index, (case, story) in enumerate(zip(cases, stories, strict=True)):
        yield from reminders.for_case(index, case, story)
        if not in_window(case, ids):
            continue
        for hold, dates in case_holds(case, story, patients[case.patient], ids):
            context = _dumps({"drug": hold.drug_name})
            created, cancelled = story.created, story.cancelled
            if dates.stop_notice_at is not None and dates.stop_notice_at > created:
                yield reminders.row(
                    index, case, "anticoagulant_stop", dates.stop_notice_at, "booked",
                    created, cancelled, context,
                )  # fmt: skip
            yield reminders.row(
                index, case, "anticoagulant_restart", dates.resume_at, "booked",
                created, cancelled, context,
            )  # fmt: skip
