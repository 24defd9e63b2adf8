"""Would booking accept a waiting patient into a freed slot now? The booking's own checks.

The same place checks (`check_place`: hours, room, the patient's other cases, equipment) and
the same rules (`require_eligible` at the slot's start: pathway, limits, spacing, the hold
lead time counted from now) that `appointment_book` asks, without writing anything.
"""

from __future__ import annotations

from clinic.errors import DomainError
from scheduling.availability import local_date
from scheduling.eligibility import require_eligible
from scheduling.models import FreedSlot, WaitlistEntry, WaitlistPolicy


def current_policy() -> WaitlistPolicy:
    # Seeded by migration 0017; a deleted row falls back to the defaults rather than failing
    # a cancellation.
    return WaitlistPolicy.objects.filter(pk=1).first() or WaitlistPolicy(pk=1)


def refusal(entry: WaitlistEntry, freed: FreedSlot) -> str | None:
    """Why booking would refuse the entry's patient into the slot now, or None if it would
    accept them."""
    # Booking reaches this module when a move frees a slot: import its check when asked.
    from scheduling.services.booking import check_place

    try:
        check_place(
            patient=entry.patient,
            procedure_type=entry.procedure_type,
            provider=freed.provider,
            room=freed.room,
            start=freed.start,
        )
        require_eligible(
            patient=entry.patient,
            procedure_type=entry.procedure_type,
            region=entry.region,
            side=entry.side,
            day=local_date(freed.start),
            levels=tuple(entry.levels or ()),
            start=freed.start,
        )
    except DomainError as refused:
        return refused.detail
    return None
