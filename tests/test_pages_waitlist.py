"""The waitlist in the pages: putting a patient on it, the freed time on the cancelled case
and on the desk, one-click booking, offers and a patient's no."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling import services
from scheduling.models import (
    Appointment,
    FreedSlot,
    OfferStatus,
    WaitlistEntry,
    WaitlistPolicy,
    WaitlistStatus,
)
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local
from tests.waitlist_helpers import wait_for_epidural

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2027, 3, 1, 9))]


def waiting(clinic, **fields):
    return wait_for_epidural(
        clinic, earliest=dt.date(2027, 3, 1), latest=dt.date(2027, 3, 31), **fields
    )


def cancelled_with_waiting(clinic, count: int = 3) -> tuple[Appointment, list]:
    entries = [waiting(clinic) for _ in range(count)]
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    return case, entries


def form(patient_id: int, **fields: object) -> dict[str, object]:
    """The waitlist form as a scheduler fills it in, for an epidural in March."""
    return {
        "patient": patient_id,
        "procedure_type": "ESI_IL",
        "region": "lumbar",
        "side": "right",
        "earliest": "2027-03-01",
        "latest": "2027-03-31",
        **fields,
    }


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_scheduler_puts_a_patient_on_the_waitlist_from_their_page(clinic, pages_as):
    desk = pages_as("scheduler")
    patient = PatientFactory()
    page = text(desk.get(f"/patients/{patient.pk}/"))
    assert "Not on the waitlist." in page
    assert f'href="/waitlist/new/?patient={patient.pk}"' in page
    blank = desk.get(f"/waitlist/new/?patient={patient.pk}&procedure_type=ESI_IL&region=lumbar")
    assert blank.status_code == 200
    assert 'value="ESI_IL" selected' in blank.content.decode()
    answer = desk.post(
        "/waitlist/new/",
        form(patient.pk, preferred_providers=[clinic.ortiz.pk], note="Mornings only"),
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/patients/{patient.pk}/#waitlist"
    entry = WaitlistEntry.objects.get(patient=patient)
    assert list(entry.preferred_providers.all()) == [clinic.ortiz]
    page = text(desk.get(f"/patients/{patient.pk}/"))
    assert "is on the waitlist for Interlaminar epidural" in page
    assert "1 Mar to 31 Mar 2027" in page and "Dr. Ortiz" in page and "Mornings only" in page


def test_a_window_in_the_wrong_order_comes_back_with_the_field_marked(clinic, pages_as):
    patient = PatientFactory()
    answer = pages_as("scheduler").post(
        "/waitlist/new/",
        form(patient.pk, earliest="2027-03-20", latest="2027-03-10"),
    )
    assert answer.status_code == 200
    assert "The latest date must be on or after the earliest." in text(answer)
    assert not WaitlistEntry.objects.exists()


def test_a_window_already_over_shows_the_service_sentence(clinic, pages_as):
    patient = PatientFactory()
    answer = pages_as("scheduler").post(
        "/waitlist/new/",
        form(patient.pk, earliest="2027-02-01", latest="2027-02-10"),
    )
    assert answer.status_code == 200
    assert "a waitlist window must reach today or later" in text(answer)


def test_nurses_read_but_do_not_change_the_waitlist(clinic, pages_as):
    nurse = pages_as("nurse")
    patient = PatientFactory()
    entry = waiting(clinic, patient=patient)
    assert nurse.get(f"/waitlist/new/?patient={patient.pk}").status_code == 403
    assert nurse.post(f"/waitlist/{entry.pk}/remove/").status_code == 403
    page = text(nurse.get(f"/patients/{patient.pk}/"))
    assert "Interlaminar epidural" in page and "Remove" not in page


def test_the_cancelled_case_and_the_desk_show_the_eligible_waiting_patients(clinic, pages_as):
    case, entries = cancelled_with_waiting(clinic)
    desk = pages_as("scheduler")
    case_page = text(desk.get(f"/appointments/{case.pk}/"))
    assert "3 eligible waiting patients" in case_page
    names = [e.patient.full_name for e in entries]
    assert [case_page.index(n) for n in names] == sorted(case_page.index(n) for n in names)
    assert case_page.count("Book<span") == 3
    desk_page = text(desk.get("/desk/"))
    assert "Freed times for the waitlist" in desk_page
    assert "3 eligible waiting patients" in desk_page
    # Nurses see the case, not the desk's waitlist actions.
    assert "eligible waiting" not in text(pages_as("nurse").get(f"/appointments/{case.pk}/"))


def test_one_click_books_the_patient_and_the_slot_leaves_the_desk(clinic, pages_as):
    case, entries = cancelled_with_waiting(clinic)
    desk = pages_as("scheduler")
    freed = FreedSlot.objects.get(appointment=case)
    top = freed.matches.get(rank=1)
    answer = desk.post(f"/freed-slots/{freed.pk}/book/", {"match": top.pk, "next": "/desk/"})
    booked = Appointment.objects.get(patient=entries[0].patient)
    assert answer.status_code == 302 and answer["Location"] == f"/appointments/{booked.pk}/"
    assert "from the waitlist" in text(desk.get(answer["Location"]))
    assert WaitlistEntry.objects.get(pk=entries[0].pk).status == WaitlistStatus.BOOKED
    assert "Freed times for the waitlist" not in text(desk.get("/desk/"))
    # A second click from a stale page: the service's sentence, nothing booked.
    late = desk.post(
        f"/freed-slots/{freed.pk}/book/",
        {"match": freed.matches.get(rank=2).pk, "next": "/desk/"},
        follow=True,
    )
    assert "already been given to another waiting patient" in text(late)
    assert not Appointment.objects.filter(patient=entries[1].patient).exists()


def test_an_offer_and_a_no_from_the_case_page(clinic, pages_as):
    case, entries = cancelled_with_waiting(clinic, count=2)
    desk = pages_as("scheduler")
    freed = FreedSlot.objects.get(appointment=case)
    page = text(desk.get(f"/appointments/{case.pk}/"))
    assert f"Offer it to {entries[0].patient.full_name} by Email" in page
    offered = desk.post(
        f"/freed-slots/{freed.pk}/offer/", {"next": f"/appointments/{case.pk}/"}, follow=True
    )
    assert f"Offered to {entries[0].patient.full_name} by Email" in text(offered)
    assert "Offer being sent" in text(offered)
    first = freed.matches.get(rank=1)
    said_no = desk.post(
        f"/freed-slots/{freed.pk}/decline/",
        {"match": first.pk, "next": f"/appointments/{case.pk}/"},
        follow=True,
    )
    assert f"{entries[0].patient.full_name} said no." in text(said_no)
    assert freed.matches.get(rank=2).offer_status == OfferStatus.QUEUED
    assert "1 eligible waiting patient</strong>" in text(said_no)


def test_removing_from_the_patient_page(clinic, pages_as):
    patient = PatientFactory()
    entry = waiting(clinic, patient=patient)
    answer = pages_as("scheduler").post(
        f"/waitlist/{entry.pk}/remove/", {"next": f"/patients/{patient.pk}/"}, follow=True
    )
    assert "is off the waitlist" in text(answer)
    assert "Not on the waitlist." in text(answer)


def test_a_next_link_off_the_site_is_not_followed(clinic, pages_as):
    entry = waiting(clinic)
    answer = pages_as("scheduler").post(
        f"/waitlist/{entry.pk}/remove/", {"next": "https://example.org/"}
    )
    assert answer["Location"] == f"/patients/{entry.patient_id}/#waitlist"


def test_the_booking_search_offers_the_waitlist_with_the_case(clinic, pages_as):
    patient = PatientFactory()
    waiting(clinic, patient=patient, note="Mornings")
    page = text(
        pages_as("scheduler").get(
            f"/book/?patient={patient.pk}&procedure_type=ESI_IL&region=lumbar&side=right"
        )
    )
    assert "is on the waitlist for 1 procedure" in page
    link = re.search(r'href="(/waitlist/new/\?[^"]+)"', page)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "procedure_type=ESI_IL" in url and "earliest=2027-03-01" in url


def test_the_waitlist_page_lists_everyone_waiting(clinic, pages_as):
    entries = [waiting(clinic) for _ in range(2)]
    page = text(pages_as("scheduler").get("/waitlist/"))
    assert "2 waiting, longest first" in page
    assert all(e.patient.full_name in page for e in entries)


def test_the_desk_reads_a_fixed_number_of_queries_whatever_the_freed_slots(clinic, pages_as):
    desk = pages_as("scheduler")
    cancelled_with_waiting(clinic, count=2)
    desk.get("/desk/")
    with CaptureQueriesContext(connection) as one:
        desk.get("/desk/")
    for hour in (10, 11, 13):
        case = book_case(clinic, start=local(2027, 3, 10, hour), code="ESI_IL")
        services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    with CaptureQueriesContext(connection) as four:
        desk.get("/desk/")
    assert len(four) == len(one)


def test_a_manager_edits_the_waitlist_policy_in_the_admin(clinic, pages_as):
    manager = pages_as("manager")
    url = "/admin/scheduling/waitlistpolicy/1/change/"
    assert manager.get(url).status_code == 200
    answer = manager.post(
        url, {"offer_automatically": "on", "reply_within_minutes": "45", "notice_hours": "4"}
    )
    assert answer.status_code == 302
    policy = WaitlistPolicy.objects.get(pk=1)
    assert (policy.offer_automatically, policy.reply_within_minutes, policy.notice_hours) == (
        True,
        45,
        4,
    )
    # Under five minutes is no time to answer: refused in the form, nothing saved.
    refused = manager.post(url, {"reply_within_minutes": "1", "notice_hours": "4"})
    assert refused.status_code == 200
    assert WaitlistPolicy.objects.get(pk=1).reply_within_minutes == 45
    assert pages_as("scheduler").get(url).status_code in (302, 403)


@pytest.mark.parametrize(
    ("field", "value"),
    [("earliest", "0001-01-01"), ("latest", "9999-12-31"), ("levels", "L4-L5\x00")],
)
def test_absurd_values_are_refused_beside_their_field(clinic, pages_as, field, value):
    patient = PatientFactory()
    body = form(patient.pk, **{field: value})
    answer = pages_as("scheduler").post("/waitlist/new/", body)
    assert answer.status_code == 200
    assert f'id="id_{field}_error"' in answer.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_an_unknown_or_absurd_patient_is_not_found(clinic, pages_as):
    desk = pages_as("scheduler")
    assert desk.get("/waitlist/new/?patient=99999999999999999999999").status_code == 404
    assert desk.get("/waitlist/new/?patient=abc").status_code == 404
    assert desk.post("/freed-slots/99999999999999999999999/book/").status_code == 404


def test_an_entry_whose_window_has_passed_says_so(clinic, pages_as, clock):
    entry = waiting(clinic)
    clock.move_to(local(2027, 4, 2, 9))
    page = text(pages_as("scheduler").get(f"/patients/{entry.patient_id}/"))
    assert '1 Mar to 31 Mar 2027 <span class="status">window over</span>' in page


def test_a_booked_case_asks_for_an_earlier_date_from_its_page(clinic, pages_as):
    desk = pages_as("scheduler")
    case = book_case(clinic, start=local(2027, 3, 24, 9), code="ESI_IL")
    page = text(desk.get(f"/appointments/{case.pk}/"))
    link = f"/waitlist/new/?patient={case.patient_id}&amp;appointment={case.pk}"
    assert link in page and "Wants an earlier date: put on the waitlist" in page
    blank = text(desk.get(link.replace("&amp;", "&")))
    assert "For an earlier date than the" in blank
    assert 'name="latest" value="2027-03-23"' in blank
    answer = desk.post(
        "/waitlist/new/",
        form(case.patient_id, appointment=case.pk, latest="2027-03-23"),
    )
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get(patient=case.patient)
    assert entry.appointment == case
    assert "Moves the case booked on" in text(desk.get(f"/patients/{case.patient_id}/"))
