"""The scheduler's desk at /desk/: today and tomorrow, cases needing attention, search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from clinic.models import Patient
from procedures.models import AuthorizationStatus
from scheduling import selectors, services
from scheduling.models import Appointment
from tests.factories import PatientFactory, drug, payer
from tests.pages_helpers import tables
from tests.scheduling_helpers import SmallClinic, book_case, local

# A Wednesday morning before the first case; the clinic's hours are 08:00-17:00.
NOW = local(2026, 11, 18, 7, 30)
TODAY = NOW.date()

pytestmark = pytest.mark.clock_at(NOW)


def approve_authorization(
    patient: Patient, procedure: str, number: str, valid_from: dt.date, valid_to: dt.date
) -> None:
    """The payer's approval recorded through the service, which re-plans the patient's cases."""
    services.authorization_save(
        patient=patient,
        acting_user=None,
        procedure_type=SmallClinic.procedure(procedure),
        payer=patient.payer,
        status=AuthorizationStatus.APPROVED,
        number=number,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def medicare_patient(first: str, last: str) -> Patient:
    """Medicare lists MBB and RFA as needing prior authorization: the case gets the item."""
    return PatientFactory(first_name=first, last_name=last, payer=payer("medicare"))


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by this heading id."""
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.S
    )
    assert match, f"no section labelled {heading_id}"
    return match.group(1)


def rows_of(html: str) -> list[list[str]]:
    """The body rows of the first table in this HTML (the header row left out)."""
    found = tables(html)
    return found[0][1:] if found else []


@pytest.fixture
def scheduler(pages_as) -> Client:
    return pages_as("scheduler")


# --- Today and tomorrow -------------------------------------------------------------------------


def test_the_desk_shows_todays_and_tomorrows_cases_in_time_order_with_everything_to_find_them(
    clinic, scheduler
):
    alice = PatientFactory(first_name="Alice", last_name="Moreno", mrn="MRN-ALICE")
    ben = PatientFactory(first_name="Ben", last_name="Okafor", mrn="MRN-BEN")
    carmen = PatientFactory(first_name="Carmen", last_name="Silva", mrn="MRN-CARMEN")
    dev = PatientFactory(first_name="Dev", last_name="Patel", mrn="MRN-DEV")
    book_case(
        clinic,
        patient=ben,
        start=local(2026, 11, 18, 11, 30),
        code="TPI",
        region="cervical",
        side="left",
        provider=clinic.ortiz,
        room=clinic.exam,
    )
    first = book_case(clinic, patient=alice, start=local(2026, 11, 18, 9, 0))
    cancelled = book_case(
        clinic, patient=carmen, start=local(2026, 11, 18, 14, 0), code="ESI_TF", side="bilateral"
    )
    services.appointment_cancel(appointment=cancelled, reason="Patient has flu", acting_user=None)
    book_case(
        clinic,
        patient=dev,
        start=local(2026, 11, 19, 8, 0),
        code="ESI_IL",
        provider=clinic.ortiz,
        room=clinic.suite2,
    )

    response = scheduler.get("/desk/")

    assert response.status_code == 200
    html = response.content.decode()
    today = section(html, "day-2026-11-18")
    assert 'Today, <time datetime="2026-11-18">Wednesday 18 November</time>' in today
    assert rows_of(today) == [
        [
            "09:00–09:30",
            "Alice Moreno MRN-ALICE",
            "Medial branch block (diagnostic) Lumbar right",
            "Dr. Chen",
            "Suite 1",
            "Scheduled",
        ],
        [
            "11:30–11:45",
            "Ben Okafor MRN-BEN",
            "Trigger point injections Cervical left",
            "Dr. Ortiz",
            "Exam 1",
            "Scheduled",
        ],
        [
            "14:00–14:30",
            "Carmen Silva MRN-CARMEN",
            "Transforaminal epidural steroid injection Lumbar bilateral",
            "Dr. Chen",
            "Suite 1",
            "Cancelled",
        ],
    ]
    assert "3 cases" in today
    tomorrow = section(html, "day-2026-11-19")
    assert 'Tomorrow, <time datetime="2026-11-19">Thursday 19 November</time>' in tomorrow
    assert [row[:2] for row in rows_of(tomorrow)] == [["08:00–08:30", "Dev Patel MRN-DEV"]]
    # The patient's name leads to the patient, the procedure to the case.
    assert f'<a href="/patients/{alice.pk}/">Alice Moreno</a>' in today
    assert f'<a href="/appointments/{first.pk}/">Medial branch block (diagnostic)</a>' in today
    assert '<a href="/calendar/?date=2026-11-18">today on the calendar</a>' in today


def test_the_desk_follows_the_clinics_clock_not_utc_and_leaves_out_other_days(
    clinic, scheduler, clock
):
    clock.move_to(local(2026, 11, 17, 7, 0))
    book_case(
        clinic,
        patient=PatientFactory(first_name="Yesterday", last_name="Case"),
        start=local(2026, 11, 17, 16),
    )
    clock.move_to(NOW)
    book_case(
        clinic,
        patient=PatientFactory(first_name="Alice", last_name="Moreno"),
        start=local(2026, 11, 18, 16, 30),
    )
    book_case(
        clinic,
        patient=PatientFactory(first_name="Late", last_name="Tomorrow"),
        start=local(2026, 11, 19, 16, 30),
    )
    book_case(
        clinic,
        patient=PatientFactory(first_name="Friday", last_name="Case"),
        start=local(2026, 11, 20, 8),
    )

    # 20:00 in New York is already the 19th in UTC: still the 18th on the clinic's clock.
    clock.move_to(local(2026, 11, 18, 20, 0))
    # Signed in at this hour: the clock moved further than a session lasts idle.
    scheduler.force_login(scheduler.user)
    html = scheduler.get("/desk/").content.decode()

    today_names = [row[1].split(" MRN")[0] for row in rows_of(section(html, "day-2026-11-18"))]
    tomorrow_names = [row[1].split(" MRN")[0] for row in rows_of(section(html, "day-2026-11-19"))]
    assert today_names == ["Alice Moreno"]
    assert tomorrow_names == ["Late Tomorrow"]
    assert "Yesterday Case" not in html
    assert "Friday Case" not in html


def test_with_no_cases_the_desk_says_so_for_each_day_and_that_nothing_needs_attention(
    clinic, scheduler
):
    html = scheduler.get("/desk/").content.decode()

    assert "No cases booked for today." in section(html, "day-2026-11-18")
    assert "No cases booked for tomorrow." in section(html, "day-2026-11-19")
    assert "Nothing needs attention in the next 14 days" in section(html, "attention-heading")
    assert "<table" not in html


# --- Cases needing attention --------------------------------------------------------------------


def test_a_hold_that_can_no_longer_be_met_is_listed_with_its_reason_and_a_reschedule_link(
    clinic, scheduler
):
    hana = PatientFactory(first_name="Hana", last_name="Ito")
    case = book_case(clinic, patient=hana, start=local(2026, 11, 20, 9, 0), code="ESI_IL")
    # Clopidogrel needs 7 days off before an interlaminar ESI; the case is in 2 days.
    services.medication_add(patient=hana, drug=drug("clopidogrel"), acting_user=None)

    html = scheduler.get("/desk/").content.decode()

    attention = section(html, "attention-heading")
    [row] = rows_of(attention)
    assert row[0] == "Fri 20 Nov, 09:00"
    assert row[1] == "Hana Ito"
    assert row[2].startswith("Interlaminar epidural steroid injection")
    assert row[3].startswith(
        "Hold cannot be met: Clopidogrel (7 days) had to stop before the case on Fri 20 Nov 2026"
    )
    assert row[4] == "Reschedule Open case"
    assert f'href="/appointments/{case.pk}/reschedule/">Reschedule' in attention
    assert f'href="/appointments/{case.pk}/">Open case' in attention
    assert f'<a href="/patients/{hana.pk}/">Hana Ito</a>' in attention


def test_a_case_whose_prior_authorization_is_missing_is_listed_with_a_link_to_the_case(
    clinic, scheduler
):
    case = book_case(
        clinic, patient=medicare_patient("Ines", "Duarte"), start=local(2026, 11, 23, 10, 0)
    )

    html = scheduler.get("/desk/").content.decode()

    attention = section(html, "attention-heading")
    [row] = rows_of(attention)
    assert row[1] == "Ines Duarte"
    assert row[3] == "Prior authorization missing: none approved covers 23 November 2026."
    assert row[4] == "Open case"
    assert f'href="/appointments/{case.pk}/">Open case' in attention
    assert "reschedule/" not in attention


def test_a_request_waiting_for_the_payer_is_said_beside_the_missing_authorization(
    clinic, scheduler
):
    ines = medicare_patient("Ines", "Duarte")
    book_case(clinic, patient=ines, start=local(2026, 11, 23, 10, 0))
    services.authorization_save(
        patient=ines,
        acting_user=None,
        procedure_type=SmallClinic.procedure("MBB"),
        payer=ines.payer,
        status=AuthorizationStatus.REQUESTED,
    )

    [row] = rows_of(section(scheduler.get("/desk/").content.decode(), "attention-heading"))

    assert row[3] == (
        "Prior authorization missing: none approved covers 23 November 2026. "
        "A request is waiting for the payer's answer."
    )


def test_an_authorization_ending_before_a_later_case_is_listed_even_beyond_the_two_weeks(
    clinic, scheduler
):
    jon = medicare_patient("Jon", "Berg")
    case = book_case(clinic, patient=jon, start=local(2026, 12, 10, 9, 0))
    approve_authorization(jon, "MBB", "MC-4411", dt.date(2026, 11, 1), dt.date(2026, 11, 25))

    [row] = rows_of(section(scheduler.get("/desk/").content.decode(), "attention-heading"))

    assert row[0] == "Thu 10 Dec, 09:00"
    assert row[1] == "Jon Berg"
    assert row[3] == (
        "Prior authorization MC-4411 ends on 25 November 2026, before this case on "
        "10 December 2026: ask the payer to extend it."
    )
    assert selectors.cases_needing_attention(today=TODAY)[0].case == case


def test_covered_cancelled_and_far_away_cases_need_no_attention(clinic, scheduler):
    covered = medicare_patient("Kim", "Covered")
    book_case(clinic, patient=covered, start=local(2026, 11, 23, 9, 0))
    approve_authorization(covered, "MBB", "MC-1", dt.date(2026, 11, 1), dt.date(2026, 12, 31))
    renewed = medicare_patient("Lea", "Renewed")
    book_case(clinic, patient=renewed, start=local(2026, 12, 10, 9, 0))
    approve_authorization(renewed, "MBB", "MC-2", dt.date(2026, 11, 1), dt.date(2026, 11, 25))
    approve_authorization(renewed, "MBB", "MC-3", dt.date(2026, 11, 26), dt.date(2027, 1, 31))
    # Missing, but three weeks away and no authorization about to end: not the desk's today.
    book_case(clinic, patient=medicare_patient("Max", "Later"), start=local(2026, 12, 9, 9, 0))
    gone = book_case(
        clinic, patient=medicare_patient("Noa", "Cancelled"), start=local(2026, 11, 24, 9, 0)
    )
    services.appointment_cancel(appointment=gone, reason="Moved away", acting_user=None)

    html = scheduler.get("/desk/").content.decode()

    assert "Nothing needs attention in the next 14 days" in section(html, "attention-heading")
    assert selectors.cases_needing_attention(today=TODAY) == []


def test_a_case_with_several_problems_is_listed_once_with_every_reason(clinic, scheduler):
    olga = medicare_patient("Olga", "Many")
    case = book_case(clinic, patient=olga, start=local(2026, 11, 19, 9, 0))
    Appointment.objects.filter(pk=case.pk).update(
        attention="Dr. Chen no longer works on Thursday mornings: move the case."
    )

    html = scheduler.get("/desk/").content.decode()

    [row] = rows_of(section(html, "attention-heading"))
    assert row[3] == (
        "Dr. Chen no longer works on Thursday mornings: move the case. "
        "Prior authorization missing: none approved covers 19 November 2026."
    )
    assert row[4] == "Reschedule Open case"
    # Tomorrow's list marks the case and links to its reasons.
    tomorrow = section(html, "day-2026-11-19")
    assert f'<a class="attention-flag" href="#attention-{case.pk}">Needs attention</a>' in tomorrow
    assert f'<tr id="attention-{case.pk}">' in html


def test_cases_needing_attention_come_in_time_order(clinic, scheduler):
    later = book_case(
        clinic, patient=medicare_patient("Later", "One"), start=local(2026, 11, 27, 9, 0)
    )
    sooner = book_case(
        clinic, patient=medicare_patient("Sooner", "One"), start=local(2026, 11, 19, 9, 0)
    )
    Appointment.objects.filter(pk=later.pk).update(attention="Room closed for repairs.")

    listed = selectors.cases_needing_attention(today=TODAY)

    assert [item.case.pk for item in listed] == [sooner.pk, later.pk]
    html = scheduler.get("/desk/").content.decode()
    assert [row[1] for row in rows_of(section(html, "attention-heading"))] == [
        "Sooner One",
        "Later One",
    ]


def test_the_attention_window_ends_fourteen_days_ahead(clinic, scheduler):
    book_case(clinic, patient=medicare_patient("Last", "Day"), start=local(2026, 12, 2, 16, 0))
    book_case(clinic, patient=medicare_patient("Day", "After"), start=local(2026, 12, 3, 8, 0))

    names = [item.case.patient.full_name for item in selectors.cases_needing_attention(today=TODAY)]

    assert names == ["Last Day"]


# --- Search and the way on ----------------------------------------------------------------------


def test_the_desk_has_a_patient_search_and_links_to_book_and_to_the_calendar(clinic, scheduler):
    html = scheduler.get("/desk/").content.decode()

    form = re.search(r'<form method="get" action="/patients/"[^>]*>(.*?)</form>', html, re.S)
    assert form, html
    assert '<label for="desk-q">Find a patient</label>' in form.group(1)
    assert re.search(r'<input type="search" id="desk-q" name="q"', form.group(1))
    assert 'aria-describedby="desk-q-help"' in form.group(1)
    assert '<p class="help" id="desk-q-help">Name, MRN or birth date</p>' in form.group(1)
    assert "csrfmiddlewaretoken" not in form.group(1)  # a search changes nothing
    assert '<a class="button" href="/book/">Book a case</a>' in html
    assert '<a class="button secondary" href="/calendar/">Calendar</a>' in html
    assert '<a class="button secondary" href="/patients/new/">Register a patient</a>' in html
    assert '<link rel="stylesheet" href="/static/scheduling/desk.css">' in html


def test_patient_names_and_attention_text_are_escaped(clinic, scheduler):
    case = book_case(
        clinic,
        patient=PatientFactory(first_name="<script>x()</script>", last_name="Moreno"),
        start=local(2026, 11, 18, 9, 0),
    )
    Appointment.objects.filter(pk=case.pk).update(attention="<b>move</b> it")

    html = scheduler.get("/desk/").content.decode()

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt; Moreno" in html
    assert "<b>move</b>" not in html
    assert "&lt;b&gt;move&lt;/b&gt; it" in html


# --- Who may see it, and at what cost -----------------------------------------------------------


def test_a_manager_works_at_the_desk_too_but_a_nurse_is_told_it_is_not_for_her_role(pages_as):
    assert pages_as("manager").get("/desk/").status_code == 200

    refused = pages_as("nurse").get("/desk/")

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "This page is for schedulers and managers." in " ".join(html.split())
    assert '<a href="/station/">Go to your start page</a>' in html


def book_many(clinic: SmallClinic, count: int) -> None:
    """`count` cases today, tomorrow and in the next days; half of them need attention."""
    slots = [
        local(2026, 11, day, hour, 0)
        for day in (18, 19, 23, 24, 25)
        for hour in (8, 9, 10, 11, 12, 13, 14, 15)
    ]
    places = [(clinic.chen, clinic.suite1), (clinic.ortiz, clinic.suite2)]
    for number in range(count):
        provider, room = places[number % 2]
        start = slots[number // 2]
        if number % 4 == 0:
            patient = medicare_patient(f"Auth{number}", "Missing")
        elif number % 4 == 1:
            patient = medicare_patient(f"Auth{number}", "Ending")
        else:
            patient = PatientFactory(first_name=f"Plain{number}")
        case = book_case(clinic, patient=patient, start=start, provider=provider, room=room)
        if number % 4 == 1:
            approve_authorization(
                patient, "MBB", f"MC-{number}", dt.date(2026, 11, 1), dt.date(2026, 11, 18)
            )
            Appointment.objects.filter(pk=case.pk).update(attention="Room closed for repairs.")


@pytest.mark.parametrize("count", [2, 40])
def test_the_desk_takes_the_same_few_queries_for_two_cases_or_forty(
    clinic, scheduler, count, django_assert_max_num_queries
):
    book_many(clinic, count)
    needing = [n for n in range(count) if n % 4 in (0, 1)]
    assert len(selectors.cases_needing_attention(today=TODAY)) == len(needing)

    with django_assert_max_num_queries(10):
        response = scheduler.get("/desk/")

    assert response.status_code == 200
    assert response.content.decode().count('class="attention-flag"') >= 1


def make_desk_day(clinic: SmallClinic) -> dict[str, Appointment]:
    """A desk worth looking at on NOW's day: cases today and tomorrow, two needing attention."""
    cases = {
        "alice": book_case(
            clinic,
            patient=PatientFactory(first_name="Alice", last_name="Moreno", mrn="MRN-1001"),
            start=local(2026, 11, 18, 9, 0),
        ),
        "ben": book_case(
            clinic,
            patient=PatientFactory(first_name="Ben", last_name="Okafor", mrn="MRN-1002"),
            start=local(2026, 11, 18, 11, 30),
            code="TPI",
            region="cervical",
            side="left",
            provider=clinic.ortiz,
            room=clinic.exam,
        ),
        "dev": book_case(
            clinic,
            patient=PatientFactory(first_name="Dev", last_name="Patel", mrn="MRN-1003"),
            start=local(2026, 11, 19, 8, 0),
            code="ESI_IL",
            provider=clinic.ortiz,
            room=clinic.suite2,
        ),
        "ines": book_case(
            clinic, patient=medicare_patient("Ines", "Duarte"), start=local(2026, 11, 23, 10, 0)
        ),
    }
    hana = PatientFactory(first_name="Hana", last_name="Ito", mrn="MRN-1004")
    cases["hana"] = book_case(clinic, patient=hana, start=local(2026, 11, 20, 9, 0), code="ESI_IL")
    services.medication_add(patient=hana, drug=drug("clopidogrel"), acting_user=None)
    return cases


def test_an_authorization_still_covers_a_case_on_its_last_day(clinic, scheduler):
    pia = medicare_patient("Pia", "Lastday")
    # Valid through the 25th means the whole of the 25th, whatever the hour of the case.
    book_case(clinic, patient=pia, start=local(2026, 11, 25, 16, 0))
    approve_authorization(pia, "MBB", "MC-77", dt.date(2026, 11, 1), dt.date(2026, 11, 25))

    assert selectors.authorizations_expiring_before_case(within_days=14) == []
    assert selectors.cases_needing_attention(today=TODAY) == []
