"""Celery tasks: thin, idempotent, taking ids. The beat schedule is in config/celery.py."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from scheduling.reminders import outbox
from scheduling.waitlist import offers

# Bounds one dispatcher run, so a backlog drains over a few ticks rather than in one long task.
MAX_BATCHES_PER_RUN = 20


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due_reminders() -> int:
    """Claim due reminders and hand them to send tasks. Runs every minute from beat."""
    handed = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        token, ids = outbox.claim_due(settings.REMINDER_DISPATCH_BATCH)
        # A send task takes a handful of reminders: each is still claimed and marked on its
        # own terms, but Celery and the database are paid per handful, not per message.
        chunk = settings.REMINDER_SEND_CHUNK
        for first in range(0, len(ids), chunk):
            send_reminders.delay(ids[first : first + chunk], str(token))
        handed += len(ids)
        if len(ids) < settings.REMINDER_DISPATCH_BATCH:
            break
    return handed


@shared_task(acks_late=True, ignore_result=True)
def send_reminders(reminder_ids: list[int], claim_token: str) -> dict[int, str]:
    return outbox.send_batch(reminder_ids, claim_token)


@shared_task(acks_late=True, ignore_result=True)
def send_waitlist_offer(match_id: int) -> str:
    return offers.send_offer(match_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_waitlist_offers() -> dict[str, int]:
    """Expire offers past their reply-by time (offering the next patient), and send queued
    offers a lost task or quiet hours left behind. Runs every minute from beat."""
    return {"expired": offers.expire_offers(), "sent": offers.send_queued()}
