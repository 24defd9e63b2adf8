"""Real Chromium against a live server: a scheduler's morning at the desk."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import assert_accessible, screenshot, sign_in
from tests.scheduling_helpers import make_small_clinic
from tests.test_pages_desk import NOW, make_desk_day

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The clock runs (tick) from a Wednesday morning, for the server thread too, so "today"
    # is a working day whatever day the suite runs on.
    pytest.mark.clock_at(NOW, tick=True),
]


def test_a_scheduler_signs_in_sees_her_day_and_what_needs_attention_and_finds_a_patient(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    cases = make_desk_day(make_small_clinic())

    sign_in(page, live_server.url, "sam.scheduler")

    assert urlsplit(page.url).path == "/desk/"
    assert page.get_by_role("heading", level=1).inner_text() == "Desk"
    banner = page.get_by_role("banner")
    assert banner.get_by_text("sam.scheduler").is_visible()
    assert banner.get_by_text("(Scheduler)").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Desk").is_visible()

    today = page.get_by_role("region", name="Today, Wednesday 18 November")
    alice = today.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Alice Moreno"))
    assert alice.get_by_role("cell").all_inner_texts() == [
        "09:00–09:30",
        "Medial branch block (diagnostic) Lumbar right",
        "Dr. Chen",
        "Suite 1",
        "Scheduled",
    ]
    assert today.get_by_role("rowheader").all_inner_texts() == [
        "Alice Moreno MRN-1001",
        "Ben Okafor MRN-1002",
    ]
    tomorrow = page.get_by_role("region", name="Tomorrow, Thursday 19 November")
    assert tomorrow.get_by_role("rowheader").all_inner_texts() == ["Dev Patel MRN-1003"]

    attention = page.get_by_role("region", name="Needs attention")
    hana = attention.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Hana Ito"))
    assert "Hold cannot be met: Clopidogrel" in hana.inner_text()
    reschedule = hana.get_by_role("link", name="Reschedule Hana Ito, 20 November")
    assert reschedule.get_attribute("href") == f"/appointments/{cases['hana'].pk}/reschedule/"
    ines = attention.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Ines Duarte")
    )
    assert "Prior authorization missing: none approved covers 23 November 2026." in (
        ines.inner_text()
    )
    assert ines.get_by_role("link", name="Reschedule").count() == 0
    assert_accessible(page)
    screenshot(page, "desk-scheduler")

    page.get_by_label("Find a patient").fill("Moreno")
    page.get_by_label("Find a patient").press("Enter")
    page.wait_for_load_state()

    landed = urlsplit(page.url)
    assert landed.path == "/patients/"
    assert parse_qs(landed.query) == {"q": ["Moreno"]}
    assert page.get_by_role("main").get_by_text("MRN-1001").is_visible()
    assert page.get_by_role("main").get_by_text("MRN-1002").count() == 0


def test_a_scheduler_reaches_search_booking_and_the_calendar_by_keyboard(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    make_small_clinic()
    sign_in(page, live_server.url, "sam.scheduler")

    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id")
        )

    # Skip link, the header, then the desk's own search and actions, in reading order.
    assert focused[0] == "Skip to main content"
    after_header = focused[focused.index("Sign out") + 1 :]
    assert after_header[:5] == ["desk-q", "Search", "Book a case", "Register a patient", "Calendar"]
    assert (
        "Nothing needs attention in the next 14 days"
        in page.get_by_role("region", name="Needs attention").inner_text()
    )
    screenshot(page, "desk-empty")


def test_the_desk_as_a_manager_sees_it(live_server, page, make_staff):
    make_staff("manager", "maria.manager")
    make_desk_day(make_small_clinic())

    sign_in(page, live_server.url, "maria.manager")
    assert urlsplit(page.url).path == "/dashboard/"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Desk").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/desk/"
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Dashboard",
        "Desk",
        "Station",
        "Patients",
        "Waitlist",
        "Calendar",
        "Admin",
    ]
    assert_accessible(page)
