"""Real Chromium against a live server: a scheduler puts a patient on the waitlist, sees a
cancellation's freed time on the desk with the waiting patients it fits, and books one by
keyboard alone; every waitlist page checked with axe-core."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from scheduling import services
from scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic
from tests.test_browser_booking import focused, tab_to
from tests.waitlist_helpers import wait_for_epidural

pytest_plugins = ["tests.browser"]

# A Monday morning; the freed case is a week later.
NOW = local(2027, 3, 1, 8, 30)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW, tick=True),
]


def waiting_since(clinic, name: str, since: dt.timedelta):
    first, last = name.split()
    patient = PatientFactory(first_name=first, last_name=last)
    entry = wait_for_epidural(
        clinic, patient=patient, earliest=dt.date(2027, 3, 1), latest=dt.date(2027, 3, 31)
    )
    WaitlistEntry.objects.filter(pk=entry.pk).update(created_at=entry.created_at - since)
    return entry


def test_a_scheduler_books_a_waiting_patient_into_a_freed_time_by_keyboard(
    live_server, page: Page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    longest = waiting_since(clinic, "Rosa Lind", dt.timedelta(days=20))
    waiting_since(clinic, "Omar Haddad", dt.timedelta(days=5))
    case = book_case(clinic, start=local(2027, 3, 8, 10), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Patient unwell", acting_user=None)

    sign_in(page, live_server.url, "sam.scheduler")
    freed = page.get_by_role("region", name="Freed times for the waitlist")
    assert "2 eligible waiting patients" in freed.inner_text()
    assert freed.get_by_role("rowheader").all_inner_texts() == ["Rosa Lind", "Omar Haddad"]
    assert_accessible(page)
    screenshot(page, "waitlist-desk")

    button = tab_to(page, lambda f: f["text"].startswith("Book") and f["tag"] == "BUTTON")
    assert button["outline"] != "none"  # focus is visible
    with page.expect_navigation():
        page.keyboard.press("Enter")

    booked = Appointment.objects.get(patient=longest.patient, status="scheduled")
    assert urlsplit(page.url).path == f"/appointments/{booked.pk}/"
    assert "from the waitlist" in page.inner_text("main")
    assert WaitlistEntry.objects.get(pk=longest.pk).status == WaitlistStatus.BOOKED
    assert_accessible(page)

    page.goto(f"{live_server.url}/appointments/{case.pk}/")
    # Filled: the cancelled case no longer offers the time, and says who has it.
    assert page.get_by_text("eligible waiting").count() == 0
    waitlist = page.get_by_role("region", name="Waitlist for the time this case freed")
    assert "was filled from the waitlist: Rosa Lind's" in waitlist.inner_text()
    assert_accessible(page)
    screenshot(page, "waitlist-filled-case")


def test_a_scheduler_puts_a_patient_on_the_waitlist_by_keyboard(
    live_server, page: Page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    patient = PatientFactory(first_name="Ada", last_name="Quinn")
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/patients/{patient.pk}/")
    assert_accessible(page)
    tab_to(page, lambda f: f["text"] == "Put on the waitlist")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/waitlist/new/"
    assert_accessible(page)

    page.get_by_label("Procedure").focus()
    page.keyboard.type("ESI_IL")
    page.keyboard.press("Tab")
    page.keyboard.type("Lu")
    page.keyboard.press("Tab")
    page.keyboard.type("Ri")
    page.get_by_label("Latest date").fill("2027-03-31")
    page.get_by_label(clinic.ortiz.name).focus()
    page.keyboard.press("Space")
    screenshot(page, "waitlist-new")
    tab_to(page, lambda f: f["text"] == "Put on the waitlist" and f["tag"] == "BUTTON")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert urlsplit(page.url).path == f"/patients/{patient.pk}/"
    entry = WaitlistEntry.objects.get(patient=patient)
    assert entry.procedure_type.code == "ESI_IL" and entry.side == "right"
    assert list(entry.preferred_providers.all()) == [clinic.ortiz]
    waitlist = page.get_by_role("region", name="Waitlist")
    assert "Interlaminar epidural" in waitlist.inner_text()
    assert_accessible(page)
    screenshot(page, "waitlist-patient")

    page.goto(f"{live_server.url}/waitlist/")
    assert "Ada Quinn" in page.inner_text("main")
    assert_accessible(page)
    screenshot(page, "waitlist-list")
    assert focused(page)["tag"]  # the page is alive after the axe run
