"""A freed slot matched against the waitlist: only patients booking would accept, in the
order they have waited, and the one-click booking that fills the slot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.errors import DomainError
from clinic.models import Equipment, EquipmentKind
from scheduling import services
from scheduling.availability import local_date
from scheduling.models import (
    Appointment,
    FreedReason,
    FreedSlot,
    OfferStatus,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistPolicy,
    WaitlistStatus,
)
from scheduling.waitlist.book import book_match
from scheduling.waitlist.entries import waitlist_add, waitlist_remove
from scheduling.waitlist.errors import InvalidWindow
from scheduling.waitlist.fit import refusal
from tests.factories import PatientFactory, PatientMedicationFactory, drug
from tests.scheduling_helpers import SmallClinic, book_case, local

# Monday 1 March 2027, 09:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2027, 3, 1, 9))]

MONDAY = dt.date(2027, 3, 1)


def wait_for(
    clinic: SmallClinic,
    *,
    code: str = "ESI_IL",
    earliest: dt.date = MONDAY,
    latest: dt.date = dt.date(2027, 3, 31),
    patient=None,
    providers=(),
    region: str = "lumbar",
):
    return waitlist_add(
        patient=patient or PatientFactory(),
        procedure_type=clinic.procedure(code),
        region=region,
        side="right",
        earliest=earliest,
        latest=latest,
        preferred_providers=providers,
        acting_user=None,
    )


def cancel(case: Appointment) -> FreedSlot:
    services.appointment_cancel(appointment=case, reason="Patient is unwell", acting_user=None)
    return FreedSlot.objects.get(appointment=case)


def matched(freed: FreedSlot) -> list[WaitlistEntry]:
    return [m.entry for m in freed.matches.order_by("rank")]


def test_a_cancelled_case_is_matched_against_waiting_patients_longest_waiting_first(clinic):
    first, second = wait_for(clinic), wait_for(clinic)
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")
    freed = cancel(case)
    assert freed.reason == FreedReason.CANCELLED
    assert (freed.start, freed.provider, freed.room) == (case.start, case.provider, case.room)
    assert matched(freed) == [first, second]
    assert [m.rank for m in freed.matches.order_by("rank")] == [1, 2]


def test_time_waited_orders_the_matches_not_the_entry_ids(clinic, clock):
    later = wait_for(clinic)
    earlier = wait_for(clinic)
    WaitlistEntry.objects.filter(pk=earlier.pk).update(
        created_at=later.created_at - dt.timedelta(days=3)
    )
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert matched(freed) == [earlier, later]


def test_a_patient_the_rules_refuse_is_never_matched(clinic):
    # An ablation with no diagnostic blocks: the pathway refuses it (a generator is free).
    Equipment.objects.create(
        site=clinic.suite1.site,
        kind=EquipmentKind.objects.get(code="rf_generator"),
        name="Spare generator",
    )
    ablation = wait_for(clinic, code="RFA")
    block = wait_for(clinic, code="MBB")
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="MBB"))
    assert matched(freed) == [block]
    assert "block" in (refusal(ablation, freed) or "")


def test_the_blood_thinner_hold_lead_time_counts(clinic):
    on_warfarin = PatientFactory()
    PatientMedicationFactory(patient=on_warfarin, drug=drug("warfarin"))
    entry = wait_for(clinic, patient=on_warfarin)
    # Three days away: five days of warfarin hold cannot fit before an epidural.
    soon = cancel(book_case(clinic, start=local(2027, 3, 4, 9), code="ESI_IL"))
    assert matched(soon) == []
    # Nine days away, the hold fits: booking would accept, and the match says so.
    later = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert matched(later) == [entry]


def test_only_slots_in_the_window_and_with_a_preferred_provider_match(clinic):
    in_april = wait_for(clinic, earliest=dt.date(2027, 4, 1), latest=dt.date(2027, 4, 30))
    wants_ortiz = wait_for(clinic, providers=[clinic.ortiz])
    anyone = wait_for(clinic)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert freed.provider == clinic.chen
    assert matched(freed) == [anyone]
    assert in_april not in matched(freed) and wants_ortiz not in matched(freed)


def test_the_cancelled_patient_is_not_offered_their_own_slot(clinic):
    patient = PatientFactory()
    own = wait_for(clinic, patient=patient)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL", patient=patient))
    assert own not in matched(freed)


def test_a_slot_too_near_to_offer_is_not_recorded(clinic):
    wait_for(clinic)
    WaitlistPolicy.objects.filter(pk=1).update(notice_hours=48)
    case = book_case(clinic, start=local(2027, 3, 2, 9), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    assert not FreedSlot.objects.filter(appointment=case).exists()


def test_a_move_frees_its_old_slot_for_the_waitlist(clinic):
    entry = wait_for(clinic)
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")
    services.appointment_reschedule(appointment=case, start=local(2027, 3, 11, 9), acting_user=None)
    freed = FreedSlot.objects.get(appointment=case)
    assert freed.reason == FreedReason.MOVED
    assert freed.start == local(2027, 3, 10, 9)
    assert matched(freed) == [entry]


def test_booking_a_match_fills_the_slot_and_closes_the_entry(clinic):
    first, second = wait_for(clinic), wait_for(clinic)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    top = freed.matches.get(rank=1)
    booked = book_match(match=top, acting_user=None)
    assert booked.patient == first.patient and booked.start == freed.start
    first.refresh_from_db()
    freed.refresh_from_db()
    assert first.status == WaitlistStatus.BOOKED and first.booked_appointment == booked
    assert freed.filled_by == booked
    assert WaitlistMatch.objects.get(pk=top.pk).offer_status == OfferStatus.ACCEPTED
    # The second patient's one click comes too late: a sentence, and nothing written.
    with pytest.raises(DomainError) as refused:
        book_match(match=freed.matches.get(entry=second), acting_user=None)
    assert "already been given" in refused.value.detail
    second.refresh_from_db()
    assert second.status == WaitlistStatus.WAITING


def test_any_booking_of_the_procedure_closes_the_patients_entry(clinic):
    entry = wait_for(clinic)
    other_region = wait_for(clinic, patient=entry.patient, region="cervical")
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL", patient=entry.patient)
    entry.refresh_from_db()
    other_region.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED and entry.booked_appointment == case
    assert other_region.status == WaitlistStatus.WAITING


def test_a_window_that_ends_before_it_starts_is_refused(clinic):
    with pytest.raises(InvalidWindow):
        wait_for(clinic, earliest=dt.date(2027, 3, 20), latest=dt.date(2027, 3, 10))
    with pytest.raises(InvalidWindow):
        wait_for(clinic, earliest=dt.date(2027, 2, 1), latest=dt.date(2027, 2, 20))
    assert not WaitlistEntry.objects.exists()


def test_a_removed_entry_is_not_matched_and_cannot_be_removed_twice(clinic):
    entry = wait_for(clinic)
    waitlist_remove(entry=entry, acting_user=None)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert matched(freed) == []
    with pytest.raises(DomainError):
        waitlist_remove(entry=entry, acting_user=None)


def test_matching_reads_a_bounded_number_of_queries_per_waiting_patient(clinic):
    for _ in range(3):
        wait_for(clinic)
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")
    with CaptureQueriesContext(connection) as three:
        services.appointment_cancel(appointment=case, reason="x", acting_user=None)
    for _ in range(3):
        wait_for(clinic)
    case = book_case(clinic, start=local(2027, 3, 11, 9), code="ESI_IL")
    with CaptureQueriesContext(connection) as six:
        services.appointment_cancel(appointment=case, reason="x", acting_user=None)
    per_patient = (len(six) - len(three)) / 3
    assert per_patient <= 12, f"{per_patient} queries per waiting patient"


# --- A booked case that the patient would move earlier ------------------------------------------


def waiting_to_move(clinic: SmallClinic, case: Appointment):
    return waitlist_add(
        patient=case.patient,
        procedure_type=case.procedure_type,
        region=case.region,
        side=case.side,
        earliest=MONDAY,
        latest=local_date(case.start) - dt.timedelta(days=1),
        appointment=case,
        acting_user=None,
    )


def test_a_booked_case_waiting_for_an_earlier_time_is_judged_as_its_move(clinic):
    # Her epidural is booked for the 24th; a repeat before it would be refused were the booked
    # case counted as another session, but moving it is the question.
    later = book_case(clinic, start=local(2027, 3, 24, 9), code="ESI_IL")
    entry = waiting_to_move(clinic, later)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert matched(freed) == [entry]


def test_a_freed_time_after_the_booked_case_is_no_earlier_date(clinic):
    soon = book_case(clinic, start=local(2027, 3, 5, 9), code="ESI_IL")
    entry = waiting_to_move(clinic, soon)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    assert matched(freed) == []
    assert "Not earlier than the case already booked" in (refusal(entry, freed) or "")


def test_taking_the_freed_time_moves_the_case_and_frees_its_old_time_for_the_next(clinic):
    later = book_case(clinic, start=local(2027, 3, 24, 9), code="ESI_IL")
    mover = waiting_to_move(clinic, later)
    other = wait_for(clinic)
    freed = cancel(book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL"))
    moved = book_match(match=freed.matches.get(entry=mover), acting_user=None)
    assert moved.pk == later.pk and moved.start == local(2027, 3, 10, 9)
    assert Appointment.objects.filter(patient=later.patient).count() == 1
    mover.refresh_from_db()
    assert mover.status == WaitlistStatus.BOOKED and mover.booked_appointment == moved
    # The 24th is free now, and the patient still waiting fits it.
    [left] = FreedSlot.objects.filter(appointment=later, reason=FreedReason.MOVED)
    assert left.start == local(2027, 3, 24, 9)
    assert matched(left) == [other]


def test_the_case_to_move_must_be_the_patients_booked_case_and_the_window_before_it(clinic):
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")

    def add(patient, latest: dt.date):
        return waitlist_add(
            patient=patient,
            procedure_type=case.procedure_type,
            region="lumbar",
            side="right",
            earliest=MONDAY,
            latest=latest,
            appointment=case,
            acting_user=None,
        )

    with pytest.raises(InvalidWindow, match="must end before that day"):
        add(case.patient, dt.date(2027, 3, 10))
    with pytest.raises(DomainError, match="another patient's"):
        add(PatientFactory(), dt.date(2027, 3, 9))
    services.appointment_cancel(appointment=case, reason="x", acting_user=None)
    with pytest.raises(DomainError, match="only a booked case can be moved"):
        add(case.patient, dt.date(2027, 3, 9))
    assert not WaitlistEntry.objects.filter(appointment=case).exists()
