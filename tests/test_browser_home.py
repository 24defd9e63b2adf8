"""Real Chromium against a live server: signing in lands on the role's page; the header, the
sign-in page (with its error) and the 403 page are usable and accessible."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, make_small_clinic
from tests.test_home_page import NOW

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


def test_the_sign_in_page_and_its_error_are_accessible_and_keep_the_user_on_the_form(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")

    page.goto(f"{live_server.url}/login/")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    assert page.get_by_role("navigation").count() == 0
    assert_accessible(page)
    screenshot(page, "desk-login")

    page.get_by_label("Username").fill("nina.nurse")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/login/"
    assert "correct username and password" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Username").input_value() == "nina.nurse"
    assert page.get_by_label("Password").input_value() == ""
    assert_accessible(page)
    screenshot(page, "desk-login-error")


def test_a_nurse_signs_in_from_the_welcome_page_and_lands_on_her_station_then_signs_out(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")
    clinic = make_small_clinic()
    book_case(
        clinic,
        start=NOW.replace(hour=9, minute=0),
        patient=PatientFactory(first_name="Alice", last_name="Moreno"),
    )
    stylesheets: list[int] = []
    page.on(
        "response",
        lambda response: response.url.endswith(".css") and stylesheets.append(response.status),
    )

    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Riverside Pain Clinic"
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("nina.nurse")
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/station/"
    banner = page.get_by_role("banner")
    assert banner.get_by_text("nina.nurse").is_visible()
    assert banner.get_by_text("(Nurse)").is_visible()
    assert banner.get_by_text("Today: Wednesday 18 November 2026").is_visible()
    assert page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts() == [
        "Station",
        "Patients",
        "Calendar",
    ]
    assert page.get_by_role("rowheader", name="Suite 1").inner_text() == "Suite 1 1 case"
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Alice Moreno"))
    cells = row.get_by_role("cell").all_inner_texts()
    assert cells[:3] == [
        "09:00–09:30",
        "Medial branch block (diagnostic)\nLumbar, right",
        "Dr. Chen",
    ]
    assert cells[-1] == "Scheduled"
    assert stylesheets and set(stylesheets) <= {200, 304}, stylesheets  # 304: cached
    assert_accessible(page)
    screenshot(page, "desk-station")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/login/"
    assert page.get_by_text("nina.nurse").count() == 0
    page.goto(f"{live_server.url}/station/")
    assert urlsplit(page.url).path == "/login/"


def test_a_nurse_who_opens_the_desk_is_told_in_words_and_offered_her_start_page(
    live_server, page, make_staff
):
    make_staff("nurse", "nina.nurse")
    sign_in(page, live_server.url, "nina.nurse")

    response = page.goto(f"{live_server.url}/desk/")

    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == (
        "This page is not open to your account"
    )
    assert "This page is for schedulers and managers." in page.get_by_role("main").inner_text()
    assert_accessible(page)
    screenshot(page, "desk-forbidden")
    page.get_by_role("link", name="Go to your start page").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/station/"


def test_an_account_without_a_role_signs_in_and_gets_a_clear_403_page(
    live_server, page, make_staff
):
    make_staff(None, "no.role")

    sign_in(page, live_server.url, "no.role")

    assert urlsplit(page.url).path == "/"
    assert "has no clinic role yet" in page.get_by_role("main").inner_text()
    assert page.get_by_role("navigation").count() == 0
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert_accessible(page)


def test_a_manager_signs_in_lands_on_the_dashboard_and_goes_on_to_the_admin(
    live_server, page, make_staff
):
    make_staff("manager", "maria.manager")

    sign_in(page, live_server.url, "maria.manager")
    assert urlsplit(page.url).path == "/dashboard/"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    page.wait_for_load_state()

    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#content-main").get_by_role("link", name="Procedure types").is_visible()
