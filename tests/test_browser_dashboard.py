"""Real Chromium against a live server: a manager reads the clinic's Monday on the dashboard,
narrows it to one provider by keyboard, downloads a table and opens the stuck patients."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible, screenshot, sign_in
from tests.dashboard_helpers import make_monday
from tests.scheduling_helpers import make_small_clinic

pytest_plugins = ["tests.browser"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MANAGER = "maria.manager"


def test_a_manager_reads_a_day_narrows_it_by_keyboard_and_exports_a_table(
    live_server, page, make_staff
):
    make_staff("manager", MANAGER)
    monday = make_monday(make_small_clinic())

    sign_in(page, live_server.url, MANAGER)
    assert urlsplit(page.url).path == "/dashboard/"
    assert_accessible(page)

    page.goto(f"{live_server.url}/dashboard/?from=2026-03-02&to=2026-03-02")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    rooms = page.get_by_role("table", name="Utilisation by room")
    expect(rooms.get_by_role("row", name="Suite 1")).to_contain_text("12.5%")
    chart = page.get_by_role("img", name="Utilisation by room")
    expect(chart).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dashboard-day", full_page=True)

    # By keyboard: into the provider filter, choose Dr. Ortiz, tab on to Show, press Enter.
    provider = page.get_by_role("combobox", name="Provider")
    provider.focus()
    provider.select_option(label="Dr. Ortiz")
    show = page.get_by_role("button", name="Show")
    for _ in range(6):
        page.keyboard.press("Tab")
        if show.evaluate("button => button === document.activeElement"):
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    query = parse_qs(urlsplit(page.url).query)
    assert query["provider"] == [str(monday.clinic.ortiz.pk)]
    assert query["from"] == ["2026-03-02"]
    providers = page.get_by_role("table", name="Utilisation by provider")
    expect(providers.get_by_role("row")).to_have_count(2)  # the header and Dr. Ortiz
    expect(providers).to_contain_text("Dr. Ortiz")

    with page.expect_download() as download:
        page.locator("#volume").get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename == "volume-20260302-20260302.csv"

    # Two months: the table of days scrolls in its own box, which the keyboard can reach.
    page.goto(f"{live_server.url}/dashboard/?from=2026-02-01&to=2026-03-31")
    days = page.get_by_role("region", name="Utilisation per day, all rooms shown")
    days.focus()
    expect(days).to_be_focused()
    assert_accessible(page)

    page.get_by_role("link", name="Patients stuck in a pathway").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/dashboard/stuck/"
    assert_accessible(page)
    screenshot(page, "dashboard-stuck", full_page=True)


def test_a_refused_range_is_explained_beside_its_field(live_server, page, make_staff):
    make_staff("manager", MANAGER)
    sign_in(page, live_server.url, MANAGER)

    page.get_by_role("textbox", name="From").fill("2026-03-05")
    page.get_by_role("textbox", name="To").fill("2026-03-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()

    expect(page.get_by_text("The end of the range comes before its start.")).to_be_visible()
    assert_accessible(page)
