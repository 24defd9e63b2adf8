"""Booking a waiting patient into a freed slot: one click at the desk, or an offer taken."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from clinic import audit
from scheduling.errors import InvalidTransition, SlotUnavailable
from scheduling.models import (
    LIVE_OFFERS,
    Appointment,
    FreedSlot,
    OfferStatus,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistStatus,
)
from scheduling.services.booking import appointment_book, appointment_reschedule
from scheduling.waitlist.entries import close_booked
from scheduling.waitlist.fit import case_to_move

Actor = AbstractBaseUser | None


@transaction.atomic
def book_match(*, match: WaitlistMatch, acting_user: Actor) -> Appointment:
    """Book the match's patient into its slot with every booking check; close the entry, mark
    the slot filled and withdraw any offer of it to someone else."""
    entry = match.entry
    if entry.status != WaitlistStatus.WAITING:
        raise InvalidTransition(
            f"{entry.patient.full_name} is no longer waiting "
            f"({entry.get_status_display().lower()})."
        )
    freed = FreedSlot.objects.select_for_update().get(pk=match.freed_slot_id)
    if freed.filled_by_id is not None:
        raise SlotUnavailable(
            "This slot has already been given to another waiting patient.",
            extra={"resource": "slot"},
        )
    # Every rule and the calendar are asked again here: a match was true when the slot freed.
    moving = case_to_move(entry)
    if moving is not None:
        # The patient's booked case moves up; the time it leaves is matched in its turn.
        appointment = appointment_reschedule(
            appointment=moving,
            start=freed.start,
            provider=freed.provider,
            room=freed.room,
            acting_user=acting_user,
        )
        close_booked(WaitlistEntry.objects.filter(pk=entry.pk), appointment)
    else:
        appointment = appointment_book(
            patient=entry.patient,
            procedure_type=entry.procedure_type,
            region=entry.region,
            side=entry.side,
            provider=freed.provider,
            room=freed.room,
            start=freed.start,
            levels=tuple(entry.levels or ()),
            sedation=entry.sedation,
            acting_user=acting_user,
        )
    freed.filled_by = appointment
    freed.save(update_fields=["filled_by"])
    # The booking closed the entry (`close_for_booking`); this one took its offer, if any.
    WaitlistMatch.objects.filter(pk=match.pk).update(offer_status=OfferStatus.ACCEPTED)
    freed.matches.filter(offer_status__in=LIVE_OFFERS).exclude(pk=match.pk).update(
        offer_status=OfferStatus.WITHDRAWN, note="The slot was booked for another patient."
    )
    audit.record(
        actor=acting_user,
        action="waitlist.book",
        instance=entry,
        changes={
            "freed_slot": freed.pk,
            "appointment": appointment.pk,
            "rank": match.rank,
            "moved": moving is not None,
        },
    )
    return appointment
