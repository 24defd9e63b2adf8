"""Real Chromium against a live server: the case page, rescheduling, cancelling, and the
nurse's check-in with an override, completion and relief. Every page is checked with axe."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from scheduling import services
from scheduling.models import Appointment, Status
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic

pytest_plugins = ["tests.browser"]

NOW = local(2026, 11, 18, 7, 30)  # Wednesday 18 November 2026, before the first case

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The clock runs (tick) from a Wednesday morning, for the server thread too.
    pytest.mark.clock_at(NOW, tick=True),
]


def open_case(page: Page, base_url: str, case: Appointment) -> None:
    page.goto(f"{base_url}/appointments/{case.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Medial branch block")


def test_a_scheduler_reschedules_a_case_by_picking_a_slot_and_sees_the_new_time(
    live_server, page, make_staff
):
    scheduler = make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    case = book_case(
        clinic,
        start=local(2026, 11, 19, 9, 0),
        patient=PatientFactory(first_name="Alice", last_name="Moreno"),
        acting_user=scheduler,
    )
    sign_in(page, live_server.url, "sam.scheduler")

    open_case(page, live_server.url, case)
    assert_accessible(page)
    screenshot(page, "case-scheduled")
    page.get_by_role("link", name="Reschedule…").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reschedule Medial branch block (diagnostic) for Alice Moreno"
    )
    page.get_by_label("From").fill("2026-11-20")
    page.get_by_label("Search with provider").select_option(label="Dr. Ortiz")
    page.get_by_role("button", name="Find slots").click()
    friday = page.get_by_role("region", name="Friday 20 November")
    expect(friday).to_be_visible()
    assert_accessible(page)
    screenshot(page, "case-reschedule-results")

    friday.get_by_role("button", name="Move to Friday 20 November 10:00–10:30 Dr. Ortiz").click()

    assert urlsplit(page.url).path == f"/appointments/{case.pk}/"
    expect(page.get_by_role("status")).to_contain_text(
        "Moved from Thu 19 Nov 09:00 (Dr. Chen, Suite 1) to Fri 20 Nov 10:00 (Dr. Ortiz, Suite 1)."
    )
    expect(page.locator(".case-summary")).to_contain_text("Friday 20 November 2026, 10:00–10:30")
    expect(page.get_by_role("region", name="History")).to_contain_text(
        "Moved from Thu 19 Nov 09:00 (Dr. Chen, Suite 1) to Fri 20 Nov 10:00 (Dr. Ortiz, Suite 1)"
        " by sam.scheduler"
    )
    case.refresh_from_db()
    assert (case.start, case.provider) == (local(2026, 11, 20, 10, 0), clinic.ortiz)


def test_a_time_typed_by_hand_that_is_refused_is_shown_in_the_form(live_server, page, make_staff):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    case = book_case(
        clinic,
        start=local(2026, 11, 19, 9, 0),
        patient=PatientFactory(first_name="Alice", last_name="Moreno"),
    )
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(f"{live_server.url}/appointments/{case.pk}/reschedule/")
    page.get_by_label("New date and time").fill("2026-11-20T18:00")
    page.get_by_role("button", name="Move to this time").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Not moved. Dr. Chen is not working 18:00-18:30 on Fri 20 Nov 2026."
    )
    assert page.get_by_label("New date and time").input_value() == "2026-11-20T18:00"
    assert_accessible(page)
    screenshot(page, "case-reschedule-refused")
    case.refresh_from_db()
    assert case.start == local(2026, 11, 19, 9, 0)


def test_a_scheduler_cancels_a_case_with_a_cause_and_a_reason_and_sees_them_on_the_page(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    case = book_case(
        clinic,
        start=local(2026, 11, 19, 11, 0),
        patient=PatientFactory(first_name="Ben", last_name="Okafor"),
    )
    sign_in(page, live_server.url, "sam.scheduler")

    open_case(page, live_server.url, case)
    page.get_by_role("link", name="Cancel the case…").click()
    assert_accessible(page)
    screenshot(page, "case-cancel")
    page.get_by_role("button", name="Cancel the case").click()
    expect(page.get_by_text("Choose the cause from the list.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "case-cancel-errors")

    page.get_by_label("Patient ill").check()
    page.get_by_label("Reason, in a few words").fill("has the flu")
    page.get_by_role("button", name="Cancel the case").click()

    assert urlsplit(page.url).path == f"/appointments/{case.pk}/"
    expect(page.get_by_role("status")).to_contain_text("Case cancelled (Patient ill).")
    expect(page.locator(".alert-bad")).to_contain_text("Cause: Patient ill.")
    expect(page.locator(".alert-bad")).to_contain_text("Reason: “has the flu”")
    expect(page.get_by_role("region", name="History")).to_contain_text("Cancelled by sam.scheduler")
    expect(page.get_by_role("region", name="History")).to_contain_text(
        ": patient ill — 'has the flu'"
    )
    assert_accessible(page)
    screenshot(page, "case-cancelled")
    case.refresh_from_db()
    assert (case.status, case.cancel_cause) == (Status.CANCELLED, "patient_ill")


def test_a_nurse_checks_in_with_an_override_completes_and_records_relief(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")
    clinic = make_small_clinic()
    case = book_case(
        clinic,
        start=local(2026, 11, 18, 9, 0),
        patient=PatientFactory(first_name="Carla", last_name="Diaz"),
    )
    for item in case.checklist_items.filter(code__in=["identity", "consent", "contrast_allergy"]):
        services.checklist_tick(
            appointment=case, item=item, done=True, value=None, acting_user=None
        )
    sign_in(page, live_server.url, "nina.nurse")

    open_case(page, live_server.url, case)
    actions = page.get_by_role("complementary", name="Actions")
    expect(actions).to_contain_text("1 required checklist item open.")
    screenshot(page, "case-nurse-scheduled")
    actions.get_by_role("button", name="Check in").click()

    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("Not checked in. 1 required checklist item is open:")
    expect(refusal.get_by_role("listitem")).to_have_text(["No fever, infection or antibiotics"])
    assert_accessible(page)
    screenshot(page, "case-check-in-refused")
    page.get_by_label("Why check in with these items open?").fill("Asked at the door: no fever")
    page.get_by_role("button", name="Check in with override").click()

    expect(page.get_by_role("status")).to_contain_text("Checked in with an override")
    expect(page.locator(".case-summary")).to_contain_text("Checked in")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("status")).to_contain_text("Case completed.")

    page.get_by_label("Relief (%)").fill("85")
    page.get_by_role("button", name="Record relief").click()

    expect(page.get_by_role("status")).to_contain_text("Relief recorded: 85%.")
    expect(page.get_by_role("region", name="Outcome")).to_contain_text(
        "Relief 85% recorded by nina.nurse"
    )
    assert_accessible(page)
    screenshot(page, "case-completed")
    case.refresh_from_db()
    assert (case.status, case.relief_percent, case.check_in_override_reason) == (
        Status.COMPLETED,
        85,
        "Asked at the door: no fever",
    )
