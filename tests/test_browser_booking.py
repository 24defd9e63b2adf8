"""Real Chromium against a live server: finding a slot and booking it, by keyboard alone,
two schedulers racing for one slot, and every booking page checked with axe-core."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import ExitStack
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from clinic.models import Patient
from procedures.models import ProcedureHistory
from scheduling.models import Appointment
from tests.browser import assert_accessible, screenshot, sign_in, watched_page
from tests.factories import PatientFactory, PatientMedicationFactory
from tests.scheduling_helpers import local, make_small_clinic

pytest_plugins = ["tests.browser"]

# A Monday morning before the first case (Tuesday 3 November is Election Day: closed).
NOW = local(2026, 11, 2, 7, 30)

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The clock runs (tick) from Monday morning, for the server thread too.
    pytest.mark.clock_at(NOW, tick=True),
]


def focused(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                id: el.id || "", tag: el.tagName, text: (el.innerText || "").trim(),
                cls: el.className || "", outline: style.outlineStyle,
            };
        }"""
    )


def tab_to(page: Page, matches, *, limit: int = 60, key: str = "Tab") -> dict[str, str]:
    """Press Tab (or Shift+Tab) until the focused element is the one wanted."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if matches(now):
            return now
    raise AssertionError(f"never reached the element by {key}; last was {focused(page)}")


def search_url(base: str, patient: Patient, **query: object) -> str:
    params = {"patient": patient.pk, "region": "lumbar", "side": "right", **query}
    return f"{base}/book/?{urlencode(params)}"


def test_a_scheduler_books_a_case_from_the_search_form_to_the_case_page_by_keyboard_alone(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    make_small_clinic()
    patient = PatientFactory(first_name="Kim", last_name="Keys")
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/book/?patient={patient.pk}")
    assert_accessible(page)
    screenshot(page, "booking-search-form")

    # Selects take the first letters of an option, as a keyboard user types them.
    tab_to(page, lambda el: el["id"] == "id_procedure_type")
    page.keyboard.type("MBB")
    tab_to(page, lambda el: el["id"] == "id_region")
    page.keyboard.type("Lu")
    tab_to(page, lambda el: el["id"] == "id_side")
    page.keyboard.type("Ri")
    button = tab_to(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Find slots")
    assert button["outline"] != "none"  # focus is visible
    page.keyboard.press("Enter")

    first_day = page.locator("#results h3").first
    expect(first_day).to_have_text("Monday 2 November 2026")
    expect(page.locator("#results-status")).to_contain_text("12 free slots from Monday 2")
    assert_accessible(page)
    screenshot(page, "booking-results")

    slot = tab_to(page, lambda el: "slot" in el["cls"].split())
    assert slot["outline"] != "none"
    assert " ".join(slot["text"].split()).endswith("08:00–08:30 Dr. Chen · Suite 1")
    # One past it and back: Shift+Tab returns to the first slot.
    tab_to(page, lambda el: "slot" in el["cls"].split() and el["text"] != slot["text"])
    tab_to(page, lambda el: el["text"] == slot["text"], key="Shift+Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the booking")
    expect(page.get_by_role("region", name="The case")).to_contain_text("Kim Keys")
    confirm = tab_to(page, lambda el: el["text"] == "Book this case")
    assert confirm["outline"] != "none"
    page.keyboard.press("Space")

    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    [appointment] = Appointment.objects.all()
    assert urlsplit(page.url).path == f"/appointments/{appointment.pk}/"
    assert appointment.patient == patient and appointment.procedure_type.code == "MBB"
    assert appointment.start == local(2026, 11, 2, 8, 0)
    expect(page.get_by_text("Booked Medial branch block (diagnostic) for Kim Keys")).to_be_visible()


def schedulers_on_the_same_confirmation(
    desks: ExitStack, browser: Browser, base: str, url: str, names: tuple[str, str]
) -> list[Page]:
    """Each scheduler in a watched page of their own (closed with `desks`), on the same
    confirmation page."""
    pages = []
    for name in names:
        desk = desks.enter_context(watched_page(browser))
        sign_in(desk, base, name)
        desk.goto(url)
        expect(desk.get_by_role("button", name="Book this case")).to_be_visible()
        pages.append(desk)
    return pages


def test_two_schedulers_confirm_the_same_slot_and_exactly_one_books_it(
    live_server, browser, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    make_staff("scheduler", "sue.scheduler")
    clinic = make_small_clinic()
    patient = PatientFactory(first_name="Rae", last_name="Race")
    query = {
        "patient": patient.pk,
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
        "provider": clinic.chen.pk,
        "room": clinic.suite1.pk,
        "start": local(2026, 11, 4, 9, 0).isoformat(),
    }
    url = f"{live_server.url}/book/confirm/?{urlencode(query)}"
    with ExitStack() as desks:
        first, second = schedulers_on_the_same_confirmation(
            desks, browser, live_server.url, url, ("sam.scheduler", "sue.scheduler")
        )
        # Both press "Book this case" before either page has its answer.
        with first.expect_navigation(), second.expect_navigation():
            first.get_by_role("button", name="Book this case").click()
            second.get_by_role("button", name="Book this case").click()

        [appointment] = Appointment.objects.all()
        booked = f"/appointments/{appointment.pk}/"
        winners = [p for p in (first, second) if urlsplit(p.url).path == booked]
        losers = [p for p in (first, second) if p not in winners]
        assert len(winners) == 1 and len(losers) == 1
        refused = losers[0]
        alert = refused.get_by_role("form", name="Find a slot").get_by_role("alert")
        expect(alert).to_contain_text("Not booked.")
        expect(alert).to_contain_text(
            re.compile(
                r"booked by someone else a moment ago; pick another slot\.|"
                r"(Rae Race|Dr\. Chen|Suite 1) is already booked 09:00-09:30"
            )
        )
        # The search is offered again from that day, without the slot just taken.
        expect(refused.locator("#results h3").first).to_have_text("Wednesday 4 November 2026")
        expect(refused.locator("a.slot").first).to_be_visible()
        assert_accessible(refused)
        screenshot(refused, "booking-race-refused")


def test_eligibility_a_refusal_in_the_form_and_the_confirmation_read_well_and_pass_axe(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    patient = PatientFactory(first_name="Wanda", last_name="Farr")
    PatientMedicationFactory(patient=patient)  # warfarin
    # Three epidurals elsewhere in the six months up to 10 November, each with relief that
    # lasted a month: the fourth waits for the oldest to leave the window.
    for performed_on in (dt.date(2026, 5, 11), dt.date(2026, 7, 1), dt.date(2026, 9, 1)):
        ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=clinic.procedure("ESI_IL"),
            region="lumbar",
            side="right",
            performed_on=performed_on,
            relief_percent=70,
            relief_duration_days=30,
        )
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(search_url(live_server.url, patient, procedure_type="ESI_IL"))
    eligibility = page.get_by_role("region", name=re.compile("^Eligibility on"))
    expect(eligibility).to_contain_text("Not allowed on Monday 2 November 2026.")
    expect(eligibility).to_contain_text("Lifts on Sunday 8 November 2026.")
    expect(eligibility).to_contain_text("Lifts on Tuesday 10 November 2026.")
    assert_accessible(page)
    screenshot(page, "booking-not-eligible")

    page.get_by_role("link", name="Search from Tuesday 10 November 2026").click()
    expect(page.get_by_role("region", name=re.compile("^Eligibility"))).to_contain_text("Allowed.")
    page.locator("a.slot").first.click()
    holds = page.get_by_role("region", name="Blood thinner holds")
    expect(holds).to_contain_text("Warfarin")
    expect(holds).to_contain_text("Wed 4 Nov 2026")  # the last dose before the 10th
    expect(page.get_by_role("region", name="Checklist that will be generated")).to_contain_text(
        "INR recorded on the day"
    )
    assert_accessible(page)
    screenshot(page, "booking-confirm")

    # Someone books Dr. Chen at that time meanwhile: the refusal comes back in the form.
    Appointment.objects.create(
        patient=PatientFactory(),
        procedure_type=clinic.procedure("MBB"),
        region="lumbar",
        side="left",
        provider=clinic.chen,
        room=clinic.suite2,
        start=local(2026, 11, 10, 8, 0),
        end=local(2026, 11, 10, 8, 30),
        room_busy_until=local(2026, 11, 10, 8, 45),
    )
    page.get_by_role("button", name="Book this case").click()
    alert = page.get_by_role("form", name="Find a slot").get_by_role("alert")
    expect(alert).to_contain_text("Not booked. Dr. Chen is already booked 08:00-08:30")
    assert Appointment.objects.count() == 1
    assert_accessible(page)
    screenshot(page, "booking-refused")


def test_why_not_this_time_lists_the_reasons_and_then_offers_a_free_time(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    patient = PatientFactory(first_name="Yan", last_name="Why")
    other = PatientFactory()
    Appointment.objects.create(
        patient=other,
        procedure_type=clinic.procedure("MBB"),
        region="lumbar",
        side="left",
        provider=clinic.ortiz,
        room=clinic.suite1,
        start=local(2026, 11, 4, 9, 30),
        end=local(2026, 11, 4, 10, 0),
        room_busy_until=local(2026, 11, 4, 10, 15),
    )
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/book/why/?patient={patient.pk}")
    form = page.get_by_role("form", name="A time to check")
    form.get_by_label("Procedure").select_option("MBB")
    form.get_by_label("Region").select_option("lumbar")
    form.get_by_label("Side").select_option("right")
    form.get_by_label("Date").fill("2026-11-04")
    form.get_by_label("Time", exact=True).fill("09:45")
    form.get_by_label("Provider").select_option(label="Dr. Ortiz")
    form.get_by_label("Room").select_option(label="Suite 1 (fluoroscopy suite)")
    form.get_by_role("button", name="Check this time").click()

    answer = page.get_by_role("region", name=re.compile("^MBB on Wednesday 4 November 2026"))
    expect(answer).to_contain_text("Dr. Ortiz is busy with another case 09:30-10:00.")
    expect(answer).to_contain_text("Suite 1 is in use 09:30-10:00 for another case")
    assert_accessible(page)
    screenshot(page, "booking-why")

    page.get_by_label("Time", exact=True).fill("10:15")
    page.get_by_role("button", name="Check this time").click()
    expect(page.get_by_text("Nothing stops this time.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "booking-why-free")
    page.get_by_role("link", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the booking")


def test_the_calendars_free_gap_asks_for_the_patient_then_searches_from_that_time(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    clinic = make_small_clinic()
    PatientFactory(first_name="Gap", last_name="Finder")
    sign_in(page, live_server.url, "sam.scheduler")
    start = local(2026, 11, 4, 14, 0).isoformat()
    page.goto(f"{live_server.url}/book/?{urlencode({'start': start, 'provider': clinic.chen.pk})}")
    page.get_by_label("Find the patient").fill("Finder")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    screenshot(page, "booking-pick-patient")
    page.get_by_role("link", name="Finder, Gap").click()

    page.get_by_label("Procedure").select_option("MBB")
    page.get_by_label("Region").select_option("lumbar")
    page.get_by_label("Side").select_option("left")
    page.get_by_role("button", name="Find slots").click()
    pick = page.get_by_role("region", name=re.compile("^The time you picked"))
    expect(pick).to_contain_text("Nothing stops this time (14:00–14:30, Dr. Chen, Suite 1).")
    expect(page.locator("a.slot").first).to_contain_text("14:00–14:30")
    screenshot(page, "booking-from-calendar")


def test_with_javascript_off_the_search_the_confirmation_and_the_booking_still_work(
    live_server, browser, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    make_small_clinic()
    patient = PatientFactory(first_name="Noah", last_name="Script")
    with watched_page(browser, java_script_enabled=False) as page:
        sign_in(page, live_server.url, "sam.scheduler")
        page.goto(f"{live_server.url}/book/?patient={patient.pk}")
        page.get_by_label("Procedure").select_option("KYPHOPLASTY")
        page.get_by_label("Region").select_option("thoracic")
        page.get_by_label("Side").select_option("bilateral")
        page.get_by_role("button", name="Find slots").click()
        # A whole page came back (no htmx): the form shows the catalog's sedation default.
        expect(page.get_by_label("Sedation planned")).to_be_checked()
        expect(page.locator("#results h3").first).to_have_text("Monday 2 November 2026")
        page.locator("a.slot").first.click()
        expect(page.get_by_role("region", name="The case")).to_contain_text("Sedation Planned")
        page.get_by_role("button", name="Book this case").click()
        page.wait_for_url(re.compile(r"/appointments/\d+/$"))
        [appointment] = Appointment.objects.all()
        assert appointment.sedation is True and appointment.side == "bilateral"


def test_choosing_a_procedure_sets_sedation_to_its_catalog_default(live_server, page, make_staff):
    make_staff("scheduler", "sam.scheduler")
    patient = PatientFactory()
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/book/?patient={patient.pk}")
    sedation = page.get_by_label("Sedation planned")
    page.get_by_label("Procedure").select_option("KYPHOPLASTY")
    expect(sedation).to_be_checked()
    sedation.uncheck()  # this patient needs none: kept for this procedure
    page.get_by_label("Procedure").select_option("MBB")
    expect(sedation).not_to_be_checked()
    page.get_by_label("Procedure").select_option("SCS_IMPLANT")
    expect(sedation).to_be_checked()
    assert page.locator("input[name='sedation_for']").input_value() == "SCS_IMPLANT"
