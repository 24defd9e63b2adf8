"""Reminders as rows: an outbox written in the same transaction as the change that causes it.

A row is claimed before it is sent (a claim token and a lease), sent under an idempotency
key the channel can check, and only then marked sent; a lost message, a killed worker or a
flushed broker leaves it pending, to be claimed again when the lease runs out.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from clinic.models import Patient
from scheduling.models.core import Appointment


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ReminderKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointment"
    ANTICOAGULANT_STOP = "anticoagulant_stop", "Stop a blood thinner"
    ANTICOAGULANT_RESTART = "anticoagulant_restart", "Restart a blood thinner"
    PAIN_DIARY = "pain_diary", "Pain diary"
    FOLLOW_UP = "follow_up", "Follow-up"
    RELIEF_FOLLOW_UP = "relief_follow_up", "Relief follow-up"
    TRIAL_END = "trial_end", "Stimulator trial end"
    PREMEDICATION = "premedication", "Contrast premedication"


class Reminder(models.Model):
    kind = models.CharField(max_length=24, choices=ReminderKind.choices)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=8, choices=Patient.Channel.choices)
    due_at = models.DateTimeField()
    # When the case's plan put it, before "not before it was written" moved it: a re-plan
    # recognises a row it already wrote by this, however late that row was written.
    planned_at = models.DateTimeField(null=True, blank=True)
    # Due time of the next attempt: `due_at` at first, later backed off after a failure.
    next_attempt_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    # Booking reminders move and cancel with the case; completion ones are written later.
    trigger = models.CharField(max_length=10, default="booked")
    context = models.JSONField(default=dict, blank=True, help_text="Drug names, dates, notes.")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The dispatcher's question: which pending rows are due?
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="reminder_pending_due",
            ),
            models.Index(fields=["status", "due_at"], name="reminder_status_due"),
            # Delivery over a date range, whatever the status (the dashboard's reminders).
            models.Index(fields=["due_at"], name="reminder_due"),
            # A send batch reads back the rows it took over by their claim token; only rows
            # being sent have one, so the index stays as small as the batches in flight.
            models.Index(
                fields=["claim_token"],
                condition=Q(claim_token__isnull=False),
                name="reminder_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for appointment {self.appointment_id} at {self.due_at}"


class SentSms(models.Model):
    """The development SMS channel's store: what a real provider would have delivered."""

    idempotency_key = models.UUIDField(db_index=True)
    to = models.CharField(max_length=16)
    body = models.TextField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "sent SMS (development channel)"
        verbose_name_plural = "sent SMS (development channel)"

    def __str__(self) -> str:
        return f"to {self.to} at {self.sent_at:%Y-%m-%d %H:%M}"
