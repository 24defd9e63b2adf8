"""Offering a freed slot to waiting patients, one at a time, by their own channel.

An offer is a state of a match: `queued` when decided (in the deciding transaction, like a
reminder row), `sent` once the channel has it, with a reply-by time; when that passes with no
booking, `expired`, and the next match whom booking would still accept is offered. At most
one live offer per slot (a unique constraint), so the slot is never promised to two
patients. Sending follows the reminders' outbox: a short claim on the row, the channel asked
whether the offer's key was delivered already, the row marked only on the channel's word.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clinic import audit
from clinic.models import Patient
from scheduling.errors import InvalidTransition
from scheduling.models import (
    LIVE_OFFERS,
    FreedSlot,
    OfferStatus,
    WaitlistMatch,
    WaitlistPolicy,
    WaitlistStatus,
)
from scheduling.reminders.channels import ChannelError, Outgoing, channel_for, close_channels
from scheduling.reminders.plan import out_of_quiet_hours
from scheduling.waitlist import texts
from scheduling.waitlist.errors import NobodyToOffer
from scheduling.waitlist.fit import current_policy, refusal

Actor = AbstractBaseUser | None

log = logging.getLogger(__name__)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_CLAIM_SECONDS)


def _too_late(freed: FreedSlot, policy: WaitlistPolicy, now: dt.datetime) -> bool:
    return freed.start < now + dt.timedelta(hours=policy.notice_hours)


def offer_next(freed: FreedSlot, *, policy: WaitlistPolicy | None = None) -> WaitlistMatch | None:
    """Queue an offer to the first match not yet offered whom booking would still accept;
    None when the slot is taken, too near, already on offer, or nobody fits any more.
    Runs inside the caller's transaction; the send follows its commit."""
    policy = policy or current_policy()
    now = timezone.now()
    if freed.filled_by_id is not None or _too_late(freed, policy, now):
        return None
    if freed.matches.filter(offer_status__in=LIVE_OFFERS).exists():
        return None
    candidates = (
        freed.matches.filter(offer_status=OfferStatus.NONE, entry__status=WaitlistStatus.WAITING)
        .select_related("entry__patient", "entry__procedure_type", "freed_slot__provider")
        .select_related("freed_slot__room")
        .order_by("rank")
    )
    for candidate in candidates:
        # Facts move while a slot waits (a new drug, another booking): ask booking again.
        if (why := refusal(candidate.entry, freed)) is not None:
            candidate.offer_status = OfferStatus.WITHDRAWN
            candidate.note = f"Not offered: {why}"[:250]
            candidate.save(update_fields=["offer_status", "note"])
            continue
        candidate.offer_status = OfferStatus.QUEUED
        candidate.offered_at = now
        candidate.save(update_fields=["offer_status", "offered_at"])
        transaction.on_commit(partial(_send_soon, candidate.pk))
        return candidate
    return None


def _send_soon(match_id: int) -> None:
    from scheduling.tasks import send_waitlist_offer  # tasks import this module

    try:
        send_waitlist_offer.delay(match_id)
    except Exception:  # noqa: BLE001 - the beat sweep sends what the broker did not take
        log.warning("offer %s left for the next sweep: broker unavailable", match_id)


def _take(match_id: int, now: dt.datetime) -> bool:
    """Hold a queued offer for one send; False when another send holds it or it moved on."""
    return bool(
        WaitlistMatch.objects.filter(pk=match_id, offer_status=OfferStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + _lease())
    )


def send_offer(match_id: int) -> str:
    """Send one queued offer: "sent", "failed", "waiting" (quiet hours) or "skipped"."""
    now = timezone.now()
    if out_of_quiet_hours(now) > now:
        return "waiting"  # the sweep after quiet hours sends it
    if not _take(match_id, now):
        return "skipped"
    match = WaitlistMatch.objects.select_related(
        "entry__patient", "entry__procedure_type", "freed_slot__provider", "freed_slot__room"
    ).get(pk=match_id)
    policy = current_policy()
    freed = match.freed_slot
    reply_by = min(
        now + dt.timedelta(minutes=policy.reply_within_minutes),
        freed.start - dt.timedelta(hours=policy.notice_hours),
    )
    if reply_by <= now or freed.filled_by_id is not None:
        return _moved_on(match, "The slot was too near or already taken when the offer was due.")
    patient = match.entry.patient
    channel_name = patient.preferred_channel
    channel = channel_for(channel_name)
    key = str(match.idempotency_key)
    try:
        if not channel.delivered(key):
            channel.send(_compose(match, patient, channel_name, reply_by, key))
    except ChannelError as exc:
        return _failed(match, str(exc))
    finally:
        close_channels([channel])
    WaitlistMatch.objects.filter(pk=match.pk, offer_status=OfferStatus.QUEUED).update(
        offer_status=OfferStatus.SENT,
        reply_by=reply_by,
        channel=channel_name,
        claimed_until=None,
        last_error="",
    )
    return "sent"


def _compose(
    match: WaitlistMatch, patient: Patient, channel: str, reply_by: dt.datetime, key: str
) -> Outgoing:
    if channel == Patient.Channel.SMS:
        return Outgoing(patient.phone, "", texts.sms_body(match, reply_by), key)
    return Outgoing(patient.email, texts.subject(), texts.email_body(match, reply_by), key)


@transaction.atomic
def _moved_on(match: WaitlistMatch, why: str) -> str:
    WaitlistMatch.objects.filter(pk=match.pk, offer_status=OfferStatus.QUEUED).update(
        offer_status=OfferStatus.WITHDRAWN, note=why[:250], claimed_until=None
    )
    return "skipped"


@transaction.atomic
def _failed(match: WaitlistMatch, error: str) -> str:
    """A channel that cannot deliver (no phone, a refused address): the next patient's turn."""
    moved = WaitlistMatch.objects.filter(pk=match.pk, offer_status=OfferStatus.QUEUED).update(
        offer_status=OfferStatus.FAILED, last_error=error[:2000], claimed_until=None
    )
    if moved:
        offer_next(FreedSlot.objects.get(pk=match.freed_slot_id))
    return "failed"


def send_queued() -> int:
    """Send the queued offers a lost task or quiet hours left behind (beat, every minute)."""
    now = timezone.now()
    ids = list(
        WaitlistMatch.objects.filter(offer_status=OfferStatus.QUEUED)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("offered_at", "id")
        .values_list("id", flat=True)[:100]
    )
    return sum(send_offer(match_id) == "sent" for match_id in ids)


def expire_offers() -> int:
    """Offers whose reply-by time has passed expire, and the next patient is offered the slot.
    Each expiry is its own transaction: a slow one holds up no other."""
    now = timezone.now()
    expired = 0
    for match_id, freed_id in WaitlistMatch.objects.filter(
        offer_status=OfferStatus.SENT, reply_by__lte=now
    ).values_list("id", "freed_slot_id"):
        with transaction.atomic():
            # Conditional: a booking that took the offer a moment ago keeps it `accepted`.
            if WaitlistMatch.objects.filter(pk=match_id, offer_status=OfferStatus.SENT).update(
                offer_status=OfferStatus.EXPIRED
            ):
                expired += 1
                offer_next(FreedSlot.objects.select_for_update().get(pk=freed_id))
    return expired


@transaction.atomic
def offer_first(freed: FreedSlot, *, acting_user: Actor) -> WaitlistMatch:
    """The desk offers the slot: to the first eligible patient not yet offered it."""
    locked = FreedSlot.objects.select_for_update().get(pk=freed.pk)
    offered = offer_next(locked)
    if offered is None:
        raise NobodyToOffer(_why_nobody(locked))
    audit.record(
        actor=acting_user,
        action="waitlist.offer",
        instance=offered.entry,
        changes={"freed_slot": locked.pk, "rank": offered.rank},
    )
    return offered


def _why_nobody(freed: FreedSlot) -> str:
    if freed.filled_by_id is not None:
        return "This slot has already been given to a waiting patient."
    if freed.matches.filter(offer_status__in=LIVE_OFFERS).exists():
        return "This slot is on offer to a patient already; wait for their answer."
    if _too_late(freed, current_policy(), timezone.now()):
        return "This slot starts too soon to offer it to anyone."
    return "No waiting patient this slot fits is left to offer it to."


@transaction.atomic
def offer_declined(match: WaitlistMatch, *, acting_user: Actor) -> WaitlistMatch | None:
    """The patient said no (by phone, say): the next patient is offered the slot."""
    if not WaitlistMatch.objects.filter(pk=match.pk, offer_status__in=LIVE_OFFERS).update(
        offer_status=OfferStatus.DECLINED, claimed_until=None
    ):
        raise InvalidTransition("Only a slot on offer to this patient can be declined.")
    audit.record(
        actor=acting_user,
        action="waitlist.decline",
        instance=match.entry,
        changes={"freed_slot": match.freed_slot_id, "rank": match.rank},
    )
    return offer_next(FreedSlot.objects.select_for_update().get(pk=match.freed_slot_id))
