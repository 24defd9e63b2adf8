"""Real Chromium against a live server: signing in from the home page and today's cases."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import time_machine
from playwright.sync_api import Page

from tests.factories import PatientFactory
from tests.scheduling_helpers import make_small_clinic
from tests.test_home_page import NOW, PASSWORD, book_today

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def clinic_morning():
    # The clock runs (tick) from a Wednesday morning, for the server thread too, so "today"
    # is a working day whatever day the suite runs on.
    with time_machine.travel(NOW, tick=True):
        yield


def sign_in_from_the_home_page(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    assert urlsplit(page.url).path == "/login/"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_nurse_signs_in_from_the_home_page_and_sees_todays_case(live_server, page, make_staff):
    make_staff("nurse", "nina.nurse")
    clinic = make_small_clinic()
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)
    stylesheets: list[int] = []
    page.on(
        "response",
        lambda response: response.url.endswith(".css") and stylesheets.append(response.status),
    )

    sign_in_from_the_home_page(page, live_server.url, "nina.nurse")

    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("banner").get_by_text("nina.nurse").is_visible()
    assert page.get_by_role("banner").get_by_text("(Nurse)").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Today, Wednesday 18 November 2026"
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Alice Moreno"))
    assert row.get_by_role("cell").all_inner_texts() == [
        "09:00–09:30",
        "MBB",
        "Lumbar / Right",
        "Dr. Chen",
        "Suite 1",
        "Scheduled",
    ]
    assert page.get_by_role("link", name="API docs").is_visible()
    assert page.get_by_role("link", name="Admin").count() == 0
    assert stylesheets and set(stylesheets) <= {200, 304}, stylesheets  # 304: cached

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/"
    assert page.get_by_role("banner").get_by_role("link", name="Sign in").is_visible()
    assert page.get_by_text("Alice Moreno").count() == 0


def test_a_manager_signs_in_on_the_same_page_and_goes_on_to_the_admin(
    live_server, page, make_staff
):
    make_staff("manager", "maria.manager")

    sign_in_from_the_home_page(page, live_server.url, "maria.manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#content-main").get_by_role("link", name="Procedure types").is_visible()
