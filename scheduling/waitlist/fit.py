"""Would booking accept a waiting patient into a freed slot now? The booking's own checks.

The same place checks (`check_place`: hours, room, the patient's other cases, equipment) and
the same rules (`require_eligible` at the slot's start: pathway, limits, spacing, the hold
lead time counted from now) that `appointment_book` asks, without writing anything.
"""

from __future__ import annotations

from clinic.errors import DomainError
from scheduling.availability import local_date
from scheduling.eligibility import require_eligible
from scheduling.models import Appointment, FreedSlot, Status, WaitlistEntry, WaitlistPolicy


def current_policy() -> WaitlistPolicy:
    # Seeded by migration 0017; a deleted row falls back to the defaults rather than failing
    # a cancellation.
    return WaitlistPolicy.objects.filter(pk=1).first() or WaitlistPolicy(pk=1)


def case_to_move(entry: WaitlistEntry) -> Appointment | None:
    """The entry's booked case, while it is still there to be moved."""
    case = entry.appointment
    return case if case is not None and case.status == Status.SCHEDULED else None


def refusal(entry: WaitlistEntry, freed: FreedSlot) -> str | None:
    """Why booking (or, for an entry with a booked case, moving that case) would refuse the
    entry's patient into the slot now, or None if it would accept them."""
    # Booking reaches this module when a move frees a slot: import its check when asked.
    from scheduling.services.booking import check_place

    moving = case_to_move(entry)
    if moving is not None and freed.start >= moving.start:
        return f"Not earlier than the case already booked on {local_date(moving.start):%d %b}."
    try:
        # A move is judged as the reschedule judges it: the case neither keeps its own time
        # busy nor counts against itself in the rules.
        check_place(
            patient=entry.patient,
            procedure_type=entry.procedure_type,
            provider=freed.provider,
            room=freed.room,
            start=freed.start,
            exclude_appointment_id=moving.pk if moving else None,
            keep_equipment_id=moving.equipment_id if moving else None,
        )
        require_eligible(
            patient=entry.patient,
            procedure_type=entry.procedure_type,
            region=entry.region,
            side=entry.side,
            day=local_date(freed.start),
            levels=tuple(entry.levels or ()),
            exclude_appointment_id=moving.pk if moving else None,
            start=freed.start,
        )
    except DomainError as refused:
        return refused.detail
    return None
