"""A case's change history in words, read from the audit rows the services write."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from scheduling import services
from scheduling.case_history import case_history, moment
from scheduling.models import Appointment, CancelCause, ChecklistItem
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local

BOOKED_AT = local(2026, 11, 16, 10, 2)  # Monday 16 November 2026
CASE_AT = local(2026, 11, 17, 9, 0)  # Tuesday

pytestmark = pytest.mark.clock_at(BOOKED_AT)


@pytest.fixture
def scheduler(make_staff):
    return make_staff("scheduler", "scheduler-1")


@pytest.fixture
def nurse(make_staff):
    return make_staff("nurse", "nurse-2")


def texts(case: Appointment) -> list[str]:
    case.refresh_from_db()  # the history starts from where the case is now
    return [entry.text for entry in case_history(case)]


def item(case: Appointment, code: str) -> ChecklistItem:
    return case.checklist_items.get(code=code)


def test_a_booking_says_who_booked_when_and_for_which_time_and_place(clock, clinic, scheduler):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)

    assert texts(case) == [
        "Booked by scheduler-1 on Mon 16 Nov 10:02 for Tue 17 Nov 09:00 (Dr. Chen, Suite 1)"
    ]


def test_each_move_says_where_the_case_was_and_where_it_went_even_for_unchanged_fields(
    clock, clinic, scheduler
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    clock.move_to(local(2026, 11, 16, 10, 30))
    services.appointment_reschedule(
        appointment=case,
        start=local(2026, 11, 18, 10, 0),
        provider=clinic.ortiz,
        acting_user=scheduler,
    )
    clock.move_to(local(2026, 11, 16, 11, 15))
    services.appointment_reschedule(
        appointment=case,
        start=local(2026, 11, 19, 14, 0),
        room=clinic.suite2,
        acting_user=scheduler,
    )

    assert texts(case)[1:] == [
        "Moved from Tue 17 Nov 09:00 (Dr. Chen, Suite 1) to Wed 18 Nov 10:00 (Dr. Ortiz, Suite 1)"
        " by scheduler-1 on Mon 16 Nov 10:30",
        "Moved from Wed 18 Nov 10:00 (Dr. Ortiz, Suite 1) to Thu 19 Nov 14:00 (Dr. Ortiz, Suite 2)"
        " by scheduler-1 on Mon 16 Nov 11:15",
    ]


def test_a_cancellation_gives_its_cause_in_plain_words_and_the_reason_as_written(
    clock, clinic, scheduler
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    clock.move_to(local(2026, 11, 16, 16, 45))
    services.appointment_cancel(
        appointment=case, reason="has the flu", cause=CancelCause.PATIENT_ILL, acting_user=scheduler
    )

    assert texts(case)[-1] == (
        "Cancelled by scheduler-1 on Mon 16 Nov 16:45: patient ill — 'has the flu'"
    )


def test_an_override_check_in_is_one_line_with_the_reason_and_the_items_that_were_open(
    clock, clinic, scheduler, nurse
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    for code in ("identity", "consent"):
        services.checklist_tick(
            appointment=case, item=item(case, code), done=True, value=None, acting_user=nurse
        )
    clock.move_to(local(2026, 11, 17, 8, 40))
    services.appointment_check_in(
        appointment=case, acting_user=nurse, override_reason="Asked at the door: no fever"
    )

    lines = texts(case)
    assert lines[-1] == (
        "Checked in with an override by nurse-2 on Tue 17 Nov 08:40: "
        "'Asked at the door: no fever' (open: No fever, infection or antibiotics; "
        "Contrast allergy reviewed)"
    )
    assert not any(line.startswith("Checked in by") for line in lines)  # said once, above
    assert lines[1:3] == [
        "'Identity, procedure, region and side confirmed' ticked by nurse-2 on Mon 16 Nov 10:02",
        "'Consent signed' ticked by nurse-2 on Mon 16 Nov 10:02",
    ]


def test_the_day_of_a_case_reads_as_check_in_completion_and_relief_then_its_correction(
    clock, clinic, scheduler, nurse
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    for code in ("identity", "consent", "no_infection", "contrast_allergy"):
        services.checklist_tick(
            appointment=case, item=item(case, code), done=True, value=None, acting_user=nurse
        )
    clock.move_to(local(2026, 11, 17, 8, 50))
    services.appointment_check_in(appointment=case, acting_user=nurse)
    clock.move_to(local(2026, 11, 17, 9, 35))
    services.appointment_complete(appointment=case, acting_user=nurse)
    clock.move_to(local(2026, 11, 17, 15, 0))
    services.appointment_record_outcome(appointment=case, acting_user=nurse, relief_percent=85)
    clock.move_to(local(2026, 11, 18, 9, 0))
    services.appointment_record_outcome(
        appointment=case, acting_user=nurse, pain_before=8, pain_after=4
    )

    assert texts(case)[-4:] == [
        "Checked in by nurse-2 on Tue 17 Nov 08:50",
        "Completed by nurse-2 on Tue 17 Nov 09:35",
        "Relief recorded by nurse-2 on Tue 17 Nov 15:00: 85%",
        "Relief corrected by nurse-2 on Wed 18 Nov 09:00: from 85% to 50% (pain 8 before, 4 after)",
    ]


def test_relief_from_pain_scores_shows_the_scores_beside_the_percentage(
    clock, clinic, scheduler, nurse
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    Appointment.objects.filter(pk=case.pk).update(status="completed")
    services.appointment_record_outcome(
        appointment=case, acting_user=nurse, pain_before=8, pain_after=1
    )

    assert texts(case)[-1] == (
        "Relief recorded by nurse-2 on Mon 16 Nov 10:02: 88% (pain 8 before, 1 after)"
    )


def test_a_value_an_untick_and_a_no_show_are_told_as_they_happened(
    clock, clinic, scheduler, nurse, make_staff
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    consent = item(case, "consent")
    services.checklist_tick(
        appointment=case, item=consent, done=True, value=None, acting_user=nurse
    )
    clock.move_to(local(2026, 11, 16, 10, 5))
    services.checklist_tick(
        appointment=case, item=consent, done=False, value=None, acting_user=nurse
    )
    clock.move_to(local(2026, 11, 17, 9, 20))
    services.appointment_no_show(appointment=case, acting_user=make_staff("scheduler", "desk-3"))

    assert texts(case)[1:] == [
        "'Consent signed' ticked by nurse-2 on Mon 16 Nov 10:02",
        "'Consent signed' unticked by nurse-2 on Mon 16 Nov 10:05",
        "Marked as a no-show by desk-3 on Tue 17 Nov 09:20",
    ]


def test_a_change_without_a_signed_in_user_is_told_as_the_systems(clock, clinic):
    case = book_case(clinic, start=CASE_AT)

    assert texts(case) == [
        "Booked by the system on Mon 16 Nov 10:02 for Tue 17 Nov 09:00 (Dr. Chen, Suite 1)"
    ]


def test_the_history_of_one_case_leaves_out_every_other_cases_rows(clock, clinic, scheduler):
    patient = PatientFactory()
    ours = book_case(clinic, start=CASE_AT, acting_user=scheduler, patient=patient)
    other = book_case(
        clinic, acting_user=scheduler, start=local(2026, 11, 17, 11, 0), patient=patient
    )
    services.checklist_tick(
        appointment=other, item=item(other, "consent"), done=True, value=None, acting_user=scheduler
    )
    services.appointment_cancel(appointment=other, reason="duplicate", acting_user=scheduler)

    assert len(texts(ours)) == 1
    assert len(texts(other)) == 3


def test_a_moment_outside_this_year_carries_its_year(clock):
    assert moment(local(2026, 1, 5, 8, 0)) == "Mon 5 Jan 08:00"
    assert moment(local(2025, 12, 29, 17, 30)) == "Mon 29 Dec 2025 17:30"


def test_names_are_read_with_one_query_per_kind_however_long_the_history(
    clock, clinic, scheduler, nurse, django_assert_num_queries
):
    short = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    long = book_case(clinic, acting_user=scheduler, start=local(2026, 11, 20, 9, 0))
    providers, rooms = [clinic.chen, clinic.ortiz], [clinic.suite1, clinic.suite2]
    for step in range(9):
        clock.move_to(local(2026, 11, 16, 11, step))
        services.appointment_reschedule(
            appointment=long,
            start=local(2026, 11, 20, 8 + step, 0),
            provider=providers[step % 2],
            room=rooms[step % 2],
            acting_user=scheduler,
        )
    for code in ("identity", "consent", "no_infection"):
        services.checklist_tick(
            appointment=long, item=item(long, code), done=True, value=None, acting_user=nurse
        )
    assert (
        AuditEvent.objects.filter(
            object_type="scheduling.appointment", object_id=str(long.pk)
        ).count()
        == 10
    )

    # Items, events (with their actors), providers, rooms: four queries for either case.
    with django_assert_num_queries(4):
        assert len(case_history(short)) == 1
    with django_assert_num_queries(4):
        assert len(case_history(long)) == 13


def test_a_case_from_the_demo_data_says_so_in_words(clock, clinic, scheduler):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    AuditEvent.objects.create(
        action="appointment.demo_history",
        object_type="scheduling.appointment",
        object_id=str(case.pk),
    )

    assert texts(case)[-1] == (
        "Entered with the demo data on Mon 16 Nov 10:02, as the services would have left it"
    )


def test_a_follow_up_says_for_which_day_who_recorded_it_and_the_relief(
    clock, clinic, scheduler, nurse
):
    case = book_case(clinic, start=CASE_AT, acting_user=scheduler)
    clock.move_to(local(2026, 11, 17, 9, 40))
    services.appointment_check_in(appointment=case, acting_user=nurse, override_reason="paper")
    services.appointment_complete(appointment=case, acting_user=nurse)
    clock.move_to(local(2026, 12, 2, 11, 5))
    services.appointment_record_follow_up(
        appointment=case,
        assessed_on=local(2026, 12, 1).date(),
        acting_user=nurse,
        pain_before=8,
        pain_after=2,
    )

    assert texts(case)[-1] == (
        "Follow-up for Tue 1 Dec recorded by nurse-2 on Wed 2 Dec 11:05: relief 75%"
    )


def test_an_override_entry_carries_its_reason_and_the_codes_of_the_open_items(clock, clinic, nurse):
    case = book_case(clinic, start=CASE_AT)
    clock.move_to(local(2026, 11, 17, 8, 40))
    services.appointment_check_in(appointment=case, acting_user=nurse, override_reason="rush")

    case.refresh_from_db()
    [entry] = [e for e in case_history(case) if e.action == "appointment.check_in_override"]

    assert (entry.actor, entry.reason, entry.open_item_codes) == (
        "nurse-2",
        "rush",
        ("identity", "consent", "no_infection", "contrast_allergy"),
    )
