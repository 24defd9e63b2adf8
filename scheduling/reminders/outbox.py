"""Claiming due reminders and sending one: exactly once, whatever the broker does.

claim_due() marks a batch of due rows with a claim token and a lease, skipping rows another
dispatcher has locked. send_batch() takes its rows over with a conditional UPDATE (a repeated
or stale task finds the token changed and does nothing), asks the channel whether each key
was delivered already, sends if not, and marks the rows sent only on the channel's say-so.
A batch cut short (the task's soft time limit) still records what went out, and hands back
the rows it never reached. No database transaction is open while the channel works.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from scheduling.ical.events import patient_event
from scheduling.models import Reminder, ReminderKind, ReminderStatus
from scheduling.reminders import texts
from scheduling.reminders.channels import (
    Attachment,
    Channel,
    ChannelError,
    Outgoing,
    channel_for,
    close_channels,
)
from scheduling.reminders.plan import out_of_quiet_hours


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)


def claim_due(limit: int) -> tuple[uuid.UUID, list[int]]:
    """Claim up to `limit` due reminders for one dispatch; returns the token and their ids."""
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        # SKIP LOCKED: a second dispatcher running at the same moment takes other rows.
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(
                claim_token=token, claimed_until=now + _lease()
            )
    return token, ids


# What composing and sending read, and no more: a full row of each of the five tables costs
# more to turn into objects than the message costs to write. A field the texts start to use
# must be added here, or each reminder pays a query to load it.
_SEND_FIELDS = (
    "kind",
    "context",
    "due_at",
    "attempts",
    "idempotency_key",
    "appointment__start",
    "appointment__end",
    "appointment__sequence",
    "appointment__updated_at",
    "appointment__patient__first_name",
    "appointment__patient__email",
    "appointment__patient__phone",
    "appointment__patient__preferred_channel",
    "appointment__procedure_type__name",
    "appointment__provider__name",
    "appointment__room__name",
)


def _taken(token: uuid.UUID) -> QuerySet[Reminder]:
    """The rows a send took over, with what their messages need, in one query."""
    return (
        Reminder.objects.filter(claim_token=token)
        .select_related(
            "appointment__patient",
            "appointment__procedure_type",
            "appointment__provider",
            "appointment__room",
        )
        .only(*_SEND_FIELDS)
    )


def _compose(reminder: Reminder, channel: str) -> Outgoing:
    appointment = reminder.appointment
    patient = appointment.patient
    key = str(reminder.idempotency_key)
    if channel == "sms":
        return Outgoing(patient.phone, "", texts.sms_body(reminder, appointment), key)
    # The appointment reminder carries the case for the patient's calendar: the same UID
    # and SEQUENCE as the provider's feed, so a later reminder's copy replaces this one.
    attachments: tuple[Attachment, ...] = ()
    if reminder.kind == ReminderKind.APPOINTMENT:
        attachments = (Attachment("appointment.ics", patient_event(appointment), "text/calendar"),)
    return Outgoing(
        patient.email,
        texts.subject(reminder),
        texts.email_body(reminder, appointment),
        key,
        attachments,
    )


def _finish(reminder_id: int, token: uuid.UUID, **fields: object) -> int:
    """Update the row only while we still hold it."""
    return Reminder.objects.filter(
        pk=reminder_id, status=ReminderStatus.PENDING, claim_token=token
    ).update(**fields)


def send_batch(reminder_ids: Sequence[int], claim_token: str | uuid.UUID) -> dict[int, str]:
    """Send claimed reminders. Returns what happened to each, for logs and tests.

    The batch is taken over in one UPDATE and marked sent in one UPDATE per channel, so a
    batch costs a few commits, not a few per reminder. A worker that dies between the two
    leaves its rows pending; whoever claims them next finds the channel already holds
    their keys and marks them sent without sending again.
    """
    outcome = dict.fromkeys(reminder_ids, "skipped")  # sent, cancelled, or claimed again
    mine = _take_over(reminder_ids, claim_token)
    if mine is None:
        return outcome
    channels: dict[str, Channel] = {}
    delivered: dict[str, list[int]] = defaultdict(list)
    tried: list[int] = []
    try:
        for reminder in _taken(mine):
            tried.append(reminder.pk)
            # The patient's preference when it goes out, which may have changed since booking.
            channel_name = reminder.appointment.patient.preferred_channel
            channel = channels.setdefault(channel_name, channel_for(channel_name))
            outcome[reminder.pk] = _deliver(reminder, channel, channel_name, mine)
            if outcome[reminder.pk] == "sent":
                delivered[channel_name].append(reminder.pk)
    except BaseException:
        _hand_back_untried(mine, tried)
        raise
    finally:
        # Also when the loop ends early (the task's soft time limit, an error): what went out
        # is recorded now, rather than left for a channel that cannot tell (SMTP) to repeat.
        close_channels(channels.values())
        _mark_sent(delivered, mine)
    return outcome


def _take_over(reminder_ids: Sequence[int], claim_token: str | uuid.UUID) -> uuid.UUID | None:
    """Put a token of this send on the rows still claimed by `claim_token`; None if none are.

    A repeated or stale task finds the dispatcher's token gone and takes nothing."""
    mine = uuid.uuid4()
    taken = Reminder.objects.filter(
        pk__in=list(reminder_ids), status=ReminderStatus.PENDING, claim_token=claim_token
    ).update(claim_token=mine, claimed_until=timezone.now() + _lease(), attempts=F("attempts") + 1)
    return mine if taken else None


def _deliver(reminder: Reminder, channel: Channel, channel_name: str, token: uuid.UUID) -> str:
    """Send one taken reminder unless its channel has it already: sent, retry or failed."""
    if channel.delivered(str(reminder.idempotency_key)):
        return "sent"
    if reminder.attempts > settings.REMINDER_MAX_ATTEMPTS:
        # Taken more often than it may be tried, and no try ever finished (each send hung
        # until the task's time limit): stop, or it would come back forever.
        return _give_up(reminder, token)
    try:
        channel.send(_compose(reminder, channel_name))
    except ChannelError as exc:
        return _failed_attempt(reminder, token, exc)
    return "sent"


def _hand_back_untried(token: uuid.UUID, tried: list[int]) -> None:
    """Rows a batch cut short never reached: claimable again at the next dispatch, and the
    attempt counted when the batch took them does not count. The row whose send was cut
    off keeps its lease and its attempt: that send may have gone out."""
    Reminder.objects.filter(claim_token=token, status=ReminderStatus.PENDING).exclude(
        pk__in=tried
    ).update(claim_token=None, claimed_until=None, attempts=F("attempts") - 1)


def _mark_sent(delivered: dict[str, list[int]], token: uuid.UUID) -> None:
    for channel_name, ids in delivered.items():
        still_ours = Reminder.objects.filter(
            pk__in=ids, status=ReminderStatus.PENDING, claim_token=token
        )
        still_ours.update(
            status=ReminderStatus.SENT,
            sent_at=timezone.now(),
            channel=channel_name,
            last_error="",
            claim_token=None,
            claimed_until=None,
        )


def send_one(reminder_id: int, claim_token: str | uuid.UUID) -> str:
    """Send one claimed reminder (a batch of one)."""
    return send_batch([reminder_id], claim_token)[reminder_id]


def _give_up(reminder: Reminder, token: uuid.UUID) -> str:
    _finish(
        reminder.pk,
        token,
        status=ReminderStatus.FAILED,
        last_error=f"No attempt to send it finished in {reminder.attempts - 1} tries.",
        claim_token=None,
        claimed_until=None,
    )
    return "failed"


def _failed_attempt(reminder: Reminder, token: uuid.UUID, exc: ChannelError) -> str:
    error = str(exc)[:2000]
    if exc.permanent or reminder.attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(
            reminder.pk,
            token,
            status=ReminderStatus.FAILED,
            last_error=error,
            claim_token=None,
            claimed_until=None,
        )
        return "failed"
    backoff = dt.timedelta(
        seconds=settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (reminder.attempts - 1)
    )
    _finish(
        reminder.pk,
        token,
        # A retry is a message too: one that failed at 19:58 waits for the morning.
        next_attempt_at=out_of_quiet_hours(timezone.now() + backoff),
        last_error=error,
        claim_token=None,
        claimed_until=None,
    )
    return "retry"
