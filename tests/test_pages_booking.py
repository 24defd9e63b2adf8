"""The booking pages: /book/ (eligibility, then slots by day), /book/confirm/, /book/why/."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import AuditEvent, Patient
from procedures.models import ChecklistItemTemplate, ProcedureHistory
from scheduling.models import (
    Appointment,
    AppointmentHold,
    ChecklistItem,
    ProviderDayException,
    Reminder,
    RoomClosure,
    Status,
)
from tests.factories import PatientFactory, PatientMedicationFactory, ProviderFactory, RoomFactory
from tests.pages_helpers import visible_text
from tests.scheduling_helpers import SmallClinic, book_case, local, working_week

# A Monday morning. Tuesday 3 November is Election Day and Wednesday 11 November Veterans
# Day: the clinic (New York) is closed on both.
NOW = local(2026, 11, 2, 10, 0)

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def scheduler(pages_as) -> Client:
    return pages_as("scheduler")


def warfarin_patient(**fields: object) -> Patient:
    patient = PatientFactory(**fields)
    PatientMedicationFactory(patient=patient)
    return patient


# --- Reading the pages as a person does -----------------------------------------------------


def main_text(response) -> str:
    page = response.content.decode()
    return visible_text(page[page.find("<main") :])


def headings(response, level: int) -> list[str]:
    page = response.content.decode()
    return [visible_text(h) for h in re.findall(rf"<h{level}\b[^>]*>(.*?)</h{level}>", page, re.S)]


def links(response) -> list[tuple[str, str]]:
    page = response.content.decode()
    return [
        (visible_text(text), html.unescape(href))
        for href, text in re.findall(r'<a\b[^>]*href="([^"]*)"[^>]*>(.*?)</a>', page, re.S)
    ]


def link(response, text: str) -> str:
    found = [href for label, href in links(response) if label == text]
    assert found, f"no link {text!r} in {[label for label, _ in links(response)]}"
    return found[0]


def params(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def slot_links(response) -> list[tuple[str, str]]:
    page = response.content.decode()
    return [
        (visible_text(text), html.unescape(href))
        for href, text in re.findall(r'<a class="slot" href="([^"]*)">(.*?)</a>', page, re.S)
    ]


def search(client: Client, patient: Patient, **query: object):
    body = {"patient": patient.pk, "region": "lumbar", "side": "right", **query}
    return client.get("/book/", body)


def section(response, heading_id: str) -> str:
    page = response.content.decode()
    start = page.index(">", page.index(f'id="{heading_id}"')) + 1
    return page[start : page.index("</section>", start)]


# --- Which patient, and who may book -------------------------------------------------------


def test_without_a_patient_the_page_asks_which_one_and_keeps_the_calendars_time(clinic, scheduler):
    ann = PatientFactory(first_name="Ann", last_name="Lee")
    start = "2026-11-04T10:30:00-05:00"

    asked = scheduler.get("/book/", {"start": start, "provider": clinic.chen.pk})
    assert asked.status_code == 200
    assert headings(asked, 1) == ["Book a case: which patient?"]
    assert "The time picked on the calendar, Wednesday 4 November 2026, 10:30, is kept" in (
        main_text(asked)
    )

    found = scheduler.get("/book/", {"q": "Lee", "start": start, "provider": clinic.chen.pk})
    chosen = link(found, "Lee, Ann")
    assert params(chosen) == {
        "patient": str(ann.pk),
        "start": start,
        "provider": str(clinic.chen.pk),
    }  # the patient by id only: no name in the link

    form = scheduler.get(chosen)
    page = form.content.decode()
    assert headings(form, 1) == ["Book a case"]
    assert f'<option value="{clinic.chen.pk}" selected>' in page
    assert 'name="from" value="2026-11-04"' in page
    assert f'name="start" value="{start}"' in page


def test_a_nurse_cannot_open_the_booking_pages(clinic, pages_as):
    nurse = pages_as("nurse")
    patient = PatientFactory()
    for url in ("/book/", "/book/confirm/", "/book/why/"):
        assert nurse.get(url, {"patient": patient.pk}).status_code == 403


def test_a_manager_may_book_like_a_scheduler(clinic, pages_as):
    patient = PatientFactory()
    assert pages_as("manager").get("/book/", {"patient": patient.pk}).status_code == 200


def test_an_unsearched_form_starts_today_and_shows_no_results(clinic, scheduler):
    patient = PatientFactory()
    response = scheduler.get("/book/", {"patient": patient.pk})
    assert response.status_code == 200
    assert "Eligibility" not in main_text(response)
    assert not slot_links(response)


# --- Eligibility first ------------------------------------------------------------------------


def test_eligibility_lists_every_violation_with_its_date_and_one_click_to_search_from_then(
    clinic, scheduler
):
    # On warfarin (five days off before an epidural), and three epidurals elsewhere in the six
    # months up to 10 November, each with relief that lasted a month.
    patient = warfarin_patient()
    for performed_on in (dt.date(2026, 5, 11), dt.date(2026, 7, 1), dt.date(2026, 9, 1)):
        ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=clinic.procedure("ESI_IL"),
            region="lumbar",
            side="left",
            performed_on=performed_on,
            relief_percent=80,
            relief_duration_days=30,
        )

    response = search(scheduler, patient, procedure_type="ESI_IL", side="left")

    eligibility = visible_text(section(response, "eligibility-heading"))
    assert "Not allowed on Monday 2 November 2026." in eligibility
    assert "Warfarin is held 5 days" in eligibility
    assert "Lifts on Sunday 8 November 2026." in eligibility
    assert "3 per region per 6 months" in eligibility
    assert "Lifts on Tuesday 10 November 2026." in eligibility
    assert "Every rule allows it from Tuesday 10 November 2026." in eligibility
    assert not slot_links(response)  # no slot search before the rules allow the case

    again = link(response, "Search from Tuesday 10 November 2026")
    assert params(again) == {
        "patient": str(patient.pk),
        "procedure_type": "ESI_IL",
        "region": "lumbar",
        "side": "left",
        "sedation_for": "ESI_IL",
        "from": "2026-11-10",
    }
    allowed = scheduler.get(again)
    assert "Allowed." in visible_text(section(allowed, "eligibility-heading"))
    assert headings(allowed, 3)[0] == "Tuesday 10 November 2026"


def test_a_repeat_waiting_for_proof_of_lasting_relief_names_the_follow_up_day(clinic, scheduler):
    patient = PatientFactory()
    ProcedureHistory.objects.create(
        patient=patient,
        procedure_type=clinic.procedure("ESI_IL"),
        region="lumbar",
        side="left",
        performed_on=dt.date(2026, 9, 1),
        relief_percent=80,
    )

    response = search(scheduler, patient, procedure_type="ESI_IL", side="left")

    eligibility = visible_text(section(response, "eligibility-heading"))
    assert "relief lasting 14 days" in eligibility
    assert (
        "Waiting will not lift this; a follow-up on or after Tuesday 15 September 2026 showing "
        "the relief lasted will." in eligibility
    )
    assert not [label for label, _ in links(response) if label.startswith("Search from")]


def test_a_case_that_waiting_cannot_cure_says_so_plainly(clinic, scheduler):
    patient = PatientFactory()  # no medial branch blocks: an ablation is not yet possible

    response = search(scheduler, patient, procedure_type="RFA")

    eligibility = visible_text(section(response, "eligibility-heading"))
    assert "Not allowed on Monday 2 November 2026." in eligibility
    assert "Waiting will not lift this." in eligibility
    assert "Waiting alone will not make this case possible." in eligibility
    assert not [label for label, _ in links(response) if label.startswith("Search from")]


def test_when_every_violation_lifts_but_a_later_rule_takes_over_the_page_names_that_rule(
    clinic, scheduler
):
    # An epidural booked for Wednesday the 18th, asked about for the 5th: the spacing rule
    # lifts 14 days after the booked one, on 2 December, when its relief is still to record.
    patient = PatientFactory()
    book_case(clinic, patient=patient, start=local(2026, 11, 18, 9, 0), code="ESI_IL")

    response = search(scheduler, patient, procedure_type="ESI_IL", **{"from": "2026-11-05"})

    eligibility = visible_text(section(response, "eligibility-heading"))
    assert "Lifts on Wednesday 2 December 2026." in eligibility
    assert "From Wednesday 2 December 2026, still:" in eligibility
    assert "relief must be recorded first" in eligibility
    assert "Waiting alone will not make this case possible." in eligibility


# --- Slots by day -----------------------------------------------------------------------------


def test_slots_are_grouped_by_day_each_one_a_link_to_its_confirmation(clinic, scheduler):
    patient = PatientFactory()
    # From the calendar: Monday 16:00. A 30-minute case fits three starts before 17:00, for
    # each of two providers; Tuesday is Election Day; Wednesday morning fills the dozen.
    response = search(scheduler, patient, procedure_type="MBB", start="2026-11-02T16:00:00-05:00")

    assert headings(response, 3) == ["Monday 2 November 2026", "Wednesday 4 November 2026"]
    slots = slot_links(response)
    assert len(slots) == 12
    assert [label for label, _ in slots[:2]] == [
        "Book Monday 2 November, 16:00–16:30 Dr. Chen · Suite 1",
        "Book Monday 2 November, 16:00–16:30 Dr. Ortiz · Suite 1",
    ]
    assert slots[6][0].startswith("Book Wednesday 4 November, 08:00–08:30")
    first = params(slots[0][1])
    assert first["provider"] == str(clinic.chen.pk)
    assert first["room"] == str(clinic.suite1.pk)
    assert dt.datetime.fromisoformat(first["start"]) == local(2026, 11, 2, 16, 0)
    assert first["procedure_type"] == "MBB"

    # The time picked on the calendar is free: said so, with a button to book it.
    assert "Nothing stops this time" in visible_text(section(response, "pick-heading"))

    more = scheduler.get(link(response, "More slots"))
    assert len(slot_links(more)) == 24
    later = scheduler.get(link(response, "Next days, from Thu 5 Nov"))
    assert headings(later, 3)[0] == "Thursday 5 November 2026"


def test_a_room_that_cannot_host_the_procedure_is_a_field_error_beside_the_room(clinic, scheduler):
    patient = PatientFactory()
    response = search(scheduler, patient, procedure_type="MBB", room=clinic.exam.pk)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_room_error"' in page
    assert "Exam 1 cannot host Medial branch block (diagnostic)." in main_text(response)
    assert 'aria-invalid="true"' in page


def test_htmx_swaps_only_the_results_and_the_status_line(clinic, scheduler):
    patient = PatientFactory()
    response = scheduler.get(
        "/book/",
        {"patient": patient.pk, "procedure_type": "MBB", "region": "lumbar", "side": "right"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert "<html" not in page and "<form" not in page
    assert len(slot_links(response)) == 12
    assert 'id="results-status"' in page and 'hx-swap-oob="true"' in page
    assert "HX-Request" in response["Vary"]


def test_the_slot_results_cost_the_same_queries_with_10_or_200_appointments_that_day(
    clinic, scheduler, django_assert_max_num_queries
):
    day = dt.date(2026, 11, 4)
    others = []
    for index in range(12):
        provider = ProviderFactory(name=f"Dr. Busy {index:02d}")
        working_week(provider, dt.time(8), dt.time(17))
        room = RoomFactory(name=f"Busy suite {index:02d}", turnover_minutes=0)
        others.append((provider, room, PatientFactory()))
    mbb = clinic.procedure("MBB")
    rows = [
        Appointment(
            patient=patient,
            procedure_type=mbb,
            region="lumbar",
            side="left",
            provider=provider,
            room=room,
            start=local(2026, 11, 4, 8, 0) + dt.timedelta(minutes=30 * k),
            end=local(2026, 11, 4, 8, 30) + dt.timedelta(minutes=30 * k),
            room_busy_until=local(2026, 11, 4, 8, 30) + dt.timedelta(minutes=30 * k),
        )
        for provider, room, patient in others
        for k in range(17)
    ]
    patient = PatientFactory()

    def results() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = search(scheduler, patient, procedure_type="MBB", **{"from": day})
        assert headings(response, 3) == ["Wednesday 4 November 2026"]
        assert len(slot_links(response)) == 12
        return len(queries)

    Appointment.objects.bulk_create(rows[:10])
    results()  # the first search builds what the process keeps (the calendar, the rules)
    few = results()
    Appointment.objects.bulk_create(rows[10:200])
    assert Appointment.objects.filter(start__date__gte=day).count() == 200
    with django_assert_max_num_queries(50):
        many = results()
    assert many == few


# --- Confirmation and booking -----------------------------------------------------------------


def confirm_query(clinic: SmallClinic, patient: Patient, start: dt.datetime, **case: object):
    return {
        "patient": patient.pk,
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
        "provider": clinic.chen.pk,
        "room": clinic.suite1.pk,
        "start": start.isoformat(),
        **case,
    }


def test_the_confirmation_shows_the_case_the_hold_plan_and_the_checklist_and_writes_nothing(
    clinic, scheduler
):
    patient = warfarin_patient(first_name="Wanda", last_name="Farr")
    start = local(2026, 11, 19, 9, 0)  # a Thursday

    response = scheduler.get(
        "/book/confirm/", confirm_query(clinic, patient, start, procedure_type="ESI_IL")
    )

    assert response.status_code == 200
    case = visible_text(section(response, "case-heading"))
    for words in (
        "Patient Wanda Farr",
        "Procedure Interlaminar epidural steroid injection (ESI_IL)",
        "Region and side Lumbar, right",
        "Sedation Not planned",
        "Provider Dr. Chen",
        "Room Suite 1",
        "Day Thursday 19 November 2026",
        "Time 09:00–09:30",
    ):
        assert words in case
    holds = visible_text(section(response, "holds-heading"))
    # Five days off before Thursday 19th: last dose Friday 13th, none from Saturday 14th;
    # restart six hours after the 09:30 end; an INR on the day.
    assert (
        "Warfarin (5 days off) Fri 13 Nov 2026 Sat 14 Nov 2026 Thu 19 Nov 2026, 15:30 "
        "Yes, on 19 November"
    ) in holds
    checklist = visible_text(section(response, "checklist-heading"))
    expected = ChecklistItemTemplate.objects.filter(
        code__in=[
            "identity",
            "consent",
            "no_infection",
            "hold_confirmed",
            "inr",
            "contrast_allergy",
            "imaging",
        ]
    )
    for template in expected:
        assert template.label in checklist
    assert "7 items" in checklist
    assert "Book this case" in main_text(response)
    assert not Appointment.objects.exists()
    assert not AppointmentHold.objects.exists() and not Reminder.objects.exists()


def test_confirming_books_one_case_with_its_audit_row_and_lands_on_the_case_page(clinic, scheduler):
    patient = warfarin_patient(first_name="Wanda", last_name="Farr")
    start = local(2026, 11, 19, 9, 0)

    response = scheduler.post(
        "/book/confirm/", confirm_query(clinic, patient, start, procedure_type="ESI_IL")
    )

    [appointment] = Appointment.objects.all()
    assert response.status_code == 302
    assert response["Location"] == reverse("appointment", args=[appointment.pk])
    assert appointment.patient == patient and appointment.start == start
    assert (appointment.provider, appointment.room) == (clinic.chen, clinic.suite1)
    assert appointment.status == Status.SCHEDULED and appointment.sedation is False
    assert appointment.created_by == scheduler.user
    [event] = AuditEvent.objects.filter(action="appointment.book")
    assert event.object_id == str(appointment.pk) and event.actor == scheduler.user
    assert appointment.holds.count() == 1

    landed = scheduler.get(response["Location"])
    assert landed.status_code == 200
    assert (
        "Booked Interlaminar epidural steroid injection for Wanda Farr on Thursday 19 November "
        "2026 at 09:00 with Dr. Chen in Suite 1." in main_text(landed)
    )


def test_sedation_follows_the_catalog_until_the_scheduler_changes_it(clinic, scheduler):
    patient = PatientFactory()

    # Kyphoplasty is done under sedation: the first search ticks the box.
    first = search(scheduler, patient, procedure_type="KYPHOPLASTY")
    page = first.content.decode()
    assert re.search(r'<input type="checkbox" name="sedation"[^>]*checked', page)
    assert 'name="sedation_for" value="KYPHOPLASTY"' in page
    assert params(slot_links(first)[0][1])["sedation"] == "on"

    # Unticked for this procedure: kept, and the slots carry it.
    unticked = search(scheduler, patient, procedure_type="KYPHOPLASTY", sedation_for="KYPHOPLASTY")
    assert "sedation" not in params(slot_links(unticked)[0][1])

    # A box left from another procedure gives way to the new one's default.
    switched = search(scheduler, patient, procedure_type="KYPHOPLASTY", sedation_for="MBB")
    assert params(slot_links(switched)[0][1])["sedation"] == "on"

    # Ticked for a block that is usually done awake: booked with sedation and its checks.
    scheduler.post(
        "/book/confirm/",
        confirm_query(clinic, patient, local(2026, 11, 4, 9, 0), sedation="on", sedation_for="MBB"),
    )
    [appointment] = Appointment.objects.all()
    assert appointment.sedation is True
    codes = set(appointment.checklist_items.values_list("code", flat=True))
    assert {"npo", "driver"} <= codes


def test_a_slot_taken_meanwhile_is_refused_in_the_form_with_the_same_search_offered_again(
    clinic, scheduler
):
    patient = PatientFactory()
    results = search(scheduler, patient, procedure_type="MBB", **{"from": "2026-11-04"})
    label, slot = slot_links(results)[0]
    assert "08:00–08:30 Dr. Chen · Suite 1" in label
    confirmation = scheduler.get(slot)
    back = link(confirmation, "Back to the slots")
    assert params(back) == {
        "patient": str(patient.pk),
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
        "sedation_for": "MBB",
        "from": "2026-11-04",
    }  # the search as it was: any provider, any room
    taken = book_case(clinic, start=local(2026, 11, 4, 8, 0))  # another desk was quicker

    form = confirmation.content.decode()
    posted = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    posted = {name: html.unescape(value) for name, value in posted.items()}
    response = scheduler.post("/book/confirm/", posted)

    assert response.status_code == 200
    page = response.content.decode()
    opened = page.index('<form method="get"')
    form = page[opened : page.index("</form>", opened)]
    assert "Not booked. Dr. Chen is already booked 08:00-08:30 on Wed 04 Nov 2026." in visible_text(
        form
    )
    assert 'role="alert"' in form
    assert "Free slots" in headings(response, 2)  # not narrowed to Dr. Chen and Suite 1
    assert headings(response, 3)[0] == "Wednesday 4 November 2026"
    offered = [label for label, _ in slot_links(response)]
    assert offered[0] == "Book Wednesday 4 November, 08:00–08:30 Dr. Ortiz · Suite 2"
    assert not [label for label in offered if "08:00–08:30 Dr. Chen" in label]
    assert list(Appointment.objects.all()) == [taken]
    assert AuditEvent.objects.filter(action="appointment.book").count() == 1


def test_a_rule_refusal_at_booking_shows_every_violation_its_date_and_a_search_from_then(
    clinic, scheduler
):
    patient = warfarin_patient()

    response = scheduler.post(
        "/book/confirm/",
        confirm_query(clinic, patient, local(2026, 11, 6, 9, 0), procedure_type="ESI_IL"),
    )

    text = visible_text(section(response, "eligibility-heading"))
    refusal = main_text(response)
    assert "Not booked. ESI_IL on 2026-11-06 breaks 1 rule; allowed from 2026-11-08." in refusal
    assert "Lifts on Sunday 8 November 2026." in refusal
    assert params(link(response, "Search from Sunday 8 November 2026"))["from"] == "2026-11-08"
    assert "Not allowed on Friday 6 November 2026." in text
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("start", "place", "sentence"),
    [
        (
            local(2026, 11, 2, 8, 0),
            {},
            "Mon 02 Nov 2026 08:00 has already passed; choose a later time.",
        ),
        (
            local(2026, 11, 7, 9, 0),
            {},
            "The clinic is closed on Sat 07 Nov 2026 (The clinic does not open on this weekday).",
        ),
        (local(2026, 11, 4, 9, 0), {"room": "exam"}, "Exam 1 cannot host Medial branch block"),
        (
            local(2028, 5, 3, 9, 0),
            {},
            "Cases are booked at most 18 months ahead: the last day that can be booked now is "
            "Tue 02 May 2028. Choose an earlier start.",
        ),
    ],
)
def test_other_refusals_at_booking_are_shown_in_the_form_and_write_nothing(
    clinic, scheduler, start, place, sentence
):
    patient = PatientFactory()
    query = confirm_query(clinic, patient, start)
    if place.get("room") == "exam":
        query["room"] = clinic.exam.pk

    response = scheduler.post("/book/confirm/", query)

    assert response.status_code == 200
    assert f"Not booked. {sentence}" in main_text(response)
    assert not Appointment.objects.exists()
    assert not ChecklistItem.objects.exists()


# --- Why not this time? -----------------------------------------------------------------------


def test_why_lists_every_reason_that_stops_a_busy_time(clinic, scheduler):
    patient = warfarin_patient(first_name="Wanda", last_name="Farr")
    wednesday = (2026, 11, 4)
    book_case(clinic, start=local(*wednesday, 9, 45), room=clinic.suite2)  # Dr. Chen
    book_case(clinic, start=local(*wednesday, 9, 30), provider=clinic.ortiz)  # Suite 1
    book_case(
        clinic,
        patient=patient,
        start=local(*wednesday, 10, 0),
        code="TPI",
        provider=clinic.ortiz,
        room=clinic.exam,
    )
    # After those bookings: Dr. Chen leaves early that day, and Suite 1's C-arm is serviced.
    ProviderDayException.objects.create(
        provider=clinic.chen,
        date=dt.date(*wednesday),
        start_time=dt.time(8),
        end_time=dt.time(9, 50),
        reason="training",
    )
    RoomClosure.objects.create(
        room=clinic.suite1,
        starts_at=local(*wednesday, 10, 15),
        ends_at=local(*wednesday, 11, 0),
        reason="C-arm service",
    )

    response = scheduler.get(
        "/book/why/",
        {
            "patient": patient.pk,
            "procedure_type": "ESI_IL",
            "region": "lumbar",
            "side": "left",
            "date": "2026-11-04",
            "time": "10:00",
            "provider": clinic.chen.pk,
            "room": clinic.suite1.pk,
        },
    )

    assert response.status_code == 200
    answer = visible_text(section(response, "answer-heading"))
    assert answer.startswith("ESI_IL on Wednesday 4 November 2026, 10:00–10:30 What stops")
    for reason in (
        "Wanda Farr already has a case 10:00-10:15 on Wed 04 Nov 2026.",
        "Warfarin is held 5 days",
        "Lifts on Sunday 8 November 2026.",
        "Dr. Chen works 08:00-09:50 on Wed 04 Nov 2026 (training); "
        "a case 10:00-10:30 falls outside those hours.",
        "Dr. Chen is busy with another case 09:45-10:15.",
        "Suite 1 is closed 10:15-11:00 (C-arm service).",
        "Suite 1 is being turned over after the 09:30 case there; it is free again at 10:15.",
    ):
        assert reason in answer
    assert "Nothing stops" not in answer
    assert params(link(response, "Search from Sunday 8 November 2026"))["from"] == "2026-11-08"


def test_why_says_nothing_stops_a_free_time_and_offers_to_book_it(clinic, scheduler):
    patient = PatientFactory()
    # As the calendar links a free gap: a start and a provider, no room.
    response = scheduler.get(
        "/book/why/",
        {
            "patient": patient.pk,
            "procedure_type": "MBB",
            "region": "lumbar",
            "side": "right",
            "start": "2026-11-04T10:30:00-05:00",
            "provider": clinic.ortiz.pk,
        },
    )

    page = response.content.decode()
    assert 'name="date" value="2026-11-04"' in page and 'name="time" value="10:30"' in page
    answer = visible_text(section(response, "answer-heading"))
    assert "Nothing stops this time. Dr. Ortiz and Suite 1 are free" in answer
    booking = params(link(response, "Book this time"))
    assert booking["provider"] == str(clinic.ortiz.pk) and booking["room"] == str(clinic.suite1.pk)
    assert dt.datetime.fromisoformat(booking["start"]) == local(2026, 11, 4, 10, 30)


def test_why_names_the_holiday_and_asks_about_every_provider_and_room(clinic, scheduler):
    patient = PatientFactory()
    response = scheduler.get(
        "/book/why/",
        {
            "patient": patient.pk,
            "procedure_type": "MBB",
            "region": "lumbar",
            "side": "right",
            "date": "2026-11-26",
            "time": "10:00",
        },
    )
    answer = visible_text(section(response, "answer-heading"))
    assert "The clinic is closed on Thu 26 Nov 2026 (Thanksgiving" in answer
    assert "Dr. Chen: free" in answer and "Suite 2: free" in answer
    assert "Exam 1" not in answer  # not a room for a fluoroscopic block


def test_a_link_with_a_broken_start_says_so_instead_of_showing_nothing(clinic, scheduler):
    patient = PatientFactory()
    response = search(scheduler, patient, procedure_type="MBB", start="next tuesday")
    assert "The link's start: That is not a date and time." in main_text(response)
    assert not slot_links(response)
    plenty = search(scheduler, patient, procedure_type="MBB", limit=5000)
    assert len(slot_links(plenty)) == 96  # a link cannot ask for more than a page holds


# --- Levels -----------------------------------------------------------------------------------


def test_levels_typed_in_the_search_reach_the_rules_the_slots_and_the_booking(clinic, scheduler):
    patient = PatientFactory()

    refused = search(scheduler, patient, procedure_type="ESI_TF", levels="l5-s1, L3-L4; L4-L5")
    allowed = search(scheduler, patient, procedure_type="ESI_TF", levels="L5-S1, L4-L5")
    [(_, slot_url), *_] = slot_links(allowed)
    confirm = scheduler.get(slot_url)
    booked = scheduler.post("/book/confirm/", params(slot_url))

    eligibility = visible_text(section(refused, "eligibility-heading"))
    assert "this session would treat 3 levels (L3-L4, L4-L5, L5-S1)" in eligibility
    assert "Waiting alone will not make this case possible." in eligibility
    assert params(slot_url)["levels"] == "L4-L5, L5-S1"  # spine order, carried by the link
    assert "Lumbar, right; levels L4-L5, L5-S1" in main_text(confirm)
    assert booked.status_code == 302
    assert Appointment.objects.get().levels == ["L4-L5", "L5-S1"]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("L9-L10", "Not a spinal level: L9-L10. Write them like L4-L5, C5-C6 or S1."),
        ("C5-C6", "C5-C6 is not in the lumbar spine's region group."),
    ],
)
def test_a_wrong_level_is_an_error_beside_the_field(clinic, scheduler, typed, words):
    response = search(scheduler, PatientFactory(), procedure_type="ESI_TF", levels=typed)

    assert response.status_code == 200
    assert words in main_text(response)
    assert not slot_links(response)
