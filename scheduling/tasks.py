"""Celery tasks: thin, idempotent, taking ids. The beat schedule is in config/celery.py."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scheduling.reminders import outbox

# Bounds one dispatcher run, so a backlog drains over a few ticks rather than in one long task.
MAX_BATCHES_PER_RUN = 20


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due_reminders() -> int:
    """Claim due reminders and hand each to a send task. Runs every minute from beat."""
    handed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        token, ids = outbox.claim_due(settings.REMINDER_DISPATCH_BATCH)
        for reminder_id in ids:
            send_reminder.delay(reminder_id, str(token))
        handed += len(ids)
        if len(ids) < settings.REMINDER_DISPATCH_BATCH:
            break
    return handed


@shared_task(acks_late=True, ignore_result=True)
def send_reminder(reminder_id: int, claim_token: str) -> str:
    return outbox.send_one(reminder_id, claim_token)
