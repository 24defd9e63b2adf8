"""A freed slot matched against the waitlist, in the transaction that freed it.

A waiting entry matches when booking would accept its patient into the slot at that moment
(`fit.refusal`). Matches are ranked by how long their patients have waited.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from scheduling.availability import local_date
from scheduling.models import (
    Appointment,
    FreedReason,
    FreedSlot,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistStatus,
)
from scheduling.waitlist.fit import current_policy, refusal
from scheduling.waitlist.offers import offer_next

log = logging.getLogger(__name__)


def waiting_for(freed: FreedSlot, *, exclude_patient_id: int | None) -> list[WaitlistEntry]:
    """Entries waiting for a window that holds the slot's date, for any provider or this one,
    longest-waiting first."""
    day = local_date(freed.start)
    entries = (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING, earliest__lte=day, latest__gte=day
        )
        .filter(Q(preferred_providers__isnull=True) | Q(preferred_providers=freed.provider_id))
        .select_related("patient", "procedure_type", "appointment")
        .distinct()
        .order_by("created_at", "id")
    )
    if exclude_patient_id is not None:
        entries = entries.exclude(patient_id=exclude_patient_id)
    return list(entries[: settings.WAITLIST_MATCH_CANDIDATES])


def match(freed: FreedSlot, *, exclude_patient_id: int | None = None) -> list[WaitlistMatch]:
    """Write the slot's matches: every waiting entry booking would accept, ranked."""
    matches: list[WaitlistMatch] = []
    for entry in waiting_for(freed, exclude_patient_id=exclude_patient_id):
        if refusal(entry, freed) is None:
            matches.append(WaitlistMatch(freed_slot=freed, entry=entry, rank=len(matches) + 1))
    return WaitlistMatch.objects.bulk_create(matches)


def slot_freed(
    case: Appointment,
    *,
    start: dt.datetime,
    end: dt.datetime,
    provider_id: int,
    room_id: int,
    reason: FreedReason,
) -> FreedSlot | None:
    """Record the slot a case left and match it, in the caller's transaction (the outbox):
    the cancellation and its matches commit together or not at all. None when the slot is
    too near (or past) to offer anyone."""
    policy = current_policy()
    if start < timezone.now() + dt.timedelta(hours=policy.notice_hours):
        return None
    freed = FreedSlot.objects.create(
        appointment=case,
        reason=reason,
        start=start,
        end=end,
        provider_id=provider_id,
        room_id=room_id,
    )
    matches = match(freed, exclude_patient_id=case.patient_id)
    log.info("freed slot %s: %d waiting patients fit", freed.pk, len(matches))
    if matches and policy.offer_automatically:
        offer_next(freed, policy=policy)
    return freed
