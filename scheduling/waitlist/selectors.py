"""Read side of the waitlist, shared by the API and the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clinic.models import Patient
from procedures.models import ProcedureType
from scheduling.availability import BusyIndex
from scheduling.models import (
    Appointment,
    FreedSlot,
    OfferStatus,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistStatus,
)

# A match still worth showing: its patient waits, and nobody has said no to this slot.
_LIVE = (OfferStatus.NONE, OfferStatus.QUEUED, OfferStatus.SENT)


def entries_with_context() -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.select_related(
        "patient", "procedure_type", "appointment"
    ).prefetch_related("preferred_providers")


def entries(
    *,
    patient: Patient | None = None,
    status: str | None = WaitlistStatus.WAITING,
    procedure_type: ProcedureType | None = None,
) -> list[WaitlistEntry]:
    """Entries longest-waiting first."""
    found = entries_with_context().order_by("created_at", "id")
    if patient is not None:
        found = found.filter(patient=patient)
    if status:
        found = found.filter(status=status)
    if procedure_type is not None:
        found = found.filter(procedure_type=procedure_type)
    return list(found)


def _live_matches() -> QuerySet[WaitlistMatch]:
    return (
        WaitlistMatch.objects.filter(entry__status=WaitlistStatus.WAITING, offer_status__in=_LIVE)
        .select_related("entry__patient", "entry__procedure_type")
        .order_by("rank")
    )


def live_matches(freed: FreedSlot) -> list[WaitlistMatch]:
    """The slot's eligible waiting patients in rank order (prefetched when listed)."""
    if freed.filled_by_id is not None:
        return []
    kept = getattr(freed, "live", None)
    return list(kept) if kept is not None else list(_live_matches().filter(freed_slot=freed))


def _with_live(slots: QuerySet[FreedSlot]) -> QuerySet[FreedSlot]:
    return slots.select_related(
        "provider",
        "room",
        "appointment",
        "filled_by__patient",
        "filled_by__procedure_type",
    ).prefetch_related(Prefetch("matches", queryset=_live_matches(), to_attr="live"))


def freed_by_case(case: Appointment) -> list[FreedSlot]:
    """The slots a case left (its cancellation, its moves), latest first, with their matches:
    two queries whether it left none or many, so the case page reads a fixed number."""
    slots = list(
        FreedSlot.objects.filter(appointment=case)
        .select_related("provider", "room", "filled_by__patient", "filled_by__procedure_type")
        .order_by("-created_at")
    )
    matches = list(_live_matches().filter(freed_slot__appointment=case))
    for slot in slots:
        slot.live = [m for m in matches if m.freed_slot_id == slot.pk]  # type: ignore[attr-defined]
    return slots


def still_free(slots: Sequence[FreedSlot]) -> list[FreedSlot]:
    """The slots nobody has booked over since (by any route): one query for all of them."""
    if not slots:
        return []
    busy = BusyIndex.load(
        start=min(s.start for s in slots),
        end=max(s.end for s in slots),
        provider_ids={s.provider_id for s in slots},
        room_ids={s.room_id for s in slots},
    )
    return [
        s
        for s in slots
        if busy.clash(
            provider_id=s.provider_id,
            room_id=s.room_id,
            start=s.start,
            end=s.end,
            room_busy_until=s.end,
        )
        is None
    ]


def open_freed_slots(*, after: dt.datetime | None = None, limit: int = 50) -> list[FreedSlot]:
    """Upcoming freed slots still free, not filled from the waitlist, with someone to offer
    them to: earliest first."""
    upcoming = FreedSlot.objects.filter(
        filled_by__isnull=True,
        start__gt=after or timezone.now(),
        # Only slots someone could still be offered: the limit counts those alone.
        pk__in=_live_matches().values("freed_slot_id"),
    )
    return still_free(list(_with_live(upcoming).order_by("start", "id")[:limit]))
