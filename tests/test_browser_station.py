"""Real Chromium against a live server: a nurse's worklist at 07:30, its refresh, its sheet."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling import services
from tests.browser import assert_accessible, screenshot, sign_in, watched_page
from tests.scheduling_helpers import make_small_clinic
from tests.test_pages_station import NOW, fill_day, make_station_day

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The clock runs (tick) from Wednesday 07:30, for the server thread too.
    pytest.mark.clock_at(NOW, tick=True),
]

NURSE = "nina.nurse"


def case_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def patients_listed(page: Page) -> list[str]:
    # A click on a link or a GET form's button returns once the next page starts loading:
    # read the list of the page that has loaded, not of the one it replaces.
    page.wait_for_load_state()
    return [name.split("\n")[0] for name in page.locator(".case-link").all_inner_texts()]


def test_a_nurse_opens_tomorrow_from_today_filters_it_and_opens_a_case_in_one_click(
    live_server, page, make_staff
):
    make_staff("nurse", NURSE)
    make_station_day(make_small_clinic())

    sign_in(page, live_server.url, NURSE)

    assert urlsplit(page.url).path == "/station/"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Worklist Wednesday 18 November 2026 (today)"
    )
    assert patients_listed(page) == ["Gina Lopez"]
    assert_accessible(page)

    page.get_by_role("navigation", name="Days").get_by_role("link", name="Tomorrow").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Worklist Thursday 19 November 2026 (tomorrow)"
    )
    assert patients_listed(page) == [
        "Ben Okafor",
        "Alice Moreno",
        "Carmen Silva",
        "Dana Whitfield",
        "Farid Haddad",
    ]
    ben = case_row(page, "Ben Okafor").get_by_role("cell")
    assert "0 of 7 required done" in ben.nth(3).inner_text()
    assert ben.nth(4).inner_text().split("\n") == [
        "Warfarin: last dose Fri 13 Nov",
        "Hold not confirmed",
        "INR pending",
    ]
    assert "Needs attention: Hold cannot be met" in case_row(page, "Farid Haddad").inner_text()
    assert_accessible(page)
    screenshot(page, "station-tomorrow")

    page.get_by_label("Room").select_option(label="Suite 2")
    page.get_by_label("Open items only").check()
    page.get_by_role("button", name="Show").click()
    # The filters are a GET form: wait for the filtered page before reading it.
    page.wait_for_url(re.compile(r"[?&]open=1"))
    expect(page.locator(".worklist-summary")).to_contain_text(
        "Showing 2 of 5 cases with open items in Suite 2."
    )

    query = parse_qs(urlsplit(page.url).query)
    assert query["date"] == ["2026-11-19"] and query["open"] == ["1"] and "room" in query
    assert patients_listed(page) == ["Carmen Silva", "Farid Haddad"]
    expect(page.get_by_label("Room")).to_have_value(query["room"][0])
    expect(page.get_by_label("Open items only")).to_be_checked()
    assert_accessible(page)
    screenshot(page, "station-tomorrow-filtered")

    # The day links keep the filters: back to today, Suite 2 and open items still chosen.
    page.get_by_role("navigation", name="Days").get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("(today)")
    assert parse_qs(urlsplit(page.url).query)["room"] == query["room"]
    expect(page.get_by_label("Open items only")).to_be_checked()
    page.go_back()

    page.get_by_role("link", name="Carmen Silva").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Medial branch block (diagnostic), lumbar left"
    )
    assert urlsplit(page.url).path.startswith("/appointments/")


def test_the_worklist_refreshes_itself_keeping_filters_scroll_and_focus(
    live_server, page, make_staff, settings
):
    settings.STATION_REFRESH_SECONDS = 1  # the page polls every second, only for this test
    make_staff("nurse", NURSE)
    clinic = make_small_clinic()
    day = make_station_day(clinic)
    fill_day(clinic, 18)
    sign_in(page, live_server.url, NURSE)
    page.goto(f"{live_server.url}/station/?date=2026-11-19&open=1")
    carmen = case_row(page, "Carmen Silva")
    expect(carmen.get_by_role("cell").nth(5)).to_have_text("Missing requested, no answer yet")

    # The nurse scrolls down, puts the focus on a case, and starts choosing a room she has
    # not applied yet; the page is marked, so that a full reload would show.
    page.get_by_label("Room").select_option(label="Suite 1")
    page.evaluate("window.scrollTo(0, 700)")
    page.evaluate(
        "id => document.getElementById(id).focus({preventScroll: true})", f"case-{day.farid.pk}"
    )
    page.evaluate("window.stationMark = 'still here'")
    assert page.evaluate("window.scrollY") == 700
    updated_before = page.locator(".worklist-summary .updated").inner_text()

    # Meanwhile the desk records the payer's approval.
    requested = PriorAuthorization.objects.get(patient=day.carmen.patient)
    services.authorization_save(
        patient=day.carmen.patient,
        authorization=requested,
        acting_user=None,
        status=AuthorizationStatus.APPROVED,
        number="PA-8800",
        valid_from=dt.date(2026, 11, 1),
        valid_to=dt.date(2026, 12, 31),
    )

    expect(carmen.get_by_role("cell").nth(5)).to_have_text("Approved PA-8800")
    expect(carmen.get_by_role("cell").nth(3)).to_contain_text("1 of 5 required done")
    assert page.locator(".worklist-summary .updated").inner_text() != updated_before
    assert page.evaluate("window.stationMark") == "still here"  # no page load
    assert page.evaluate("window.scrollY") == 700
    assert page.evaluate("document.activeElement.id") == f"case-{day.farid.pk}"
    expect(page.get_by_label("Room")).to_have_value(str(clinic.suite1.pk))  # not applied, kept
    expect(page.get_by_label("Open items only")).to_be_checked()
    assert parse_qs(urlsplit(page.url).query) == {"date": ["2026-11-19"], "open": ["1"]}
    assert patients_listed(page)[:2] == ["Ben Okafor", "Alice Moreno"]  # still open items only
    assert "Dana Whitfield" not in patients_listed(page)
    screenshot(page, "station-refreshed", full_page=False)


def test_signing_out_in_another_tab_takes_the_worklist_off_the_screen(
    live_server, page, make_staff, settings
):
    settings.STATION_REFRESH_SECONDS = 1
    make_staff("nurse", NURSE)
    make_station_day(make_small_clinic())
    sign_in(page, live_server.url, NURSE)
    page.goto(f"{live_server.url}/station/?date=2026-11-19")
    expect(page.get_by_role("link", name="Ben Okafor")).to_be_visible()

    other = page.context.new_page()
    other.goto(f"{live_server.url}/station/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_load_state()

    page.wait_for_url(re.compile(r"/login/\?next="))
    expect(page.get_by_role("link", name="Ben Okafor")).to_have_count(0)


def test_without_javascript_the_worklist_is_a_plain_page_with_a_reload_link(
    live_server, browser, make_staff
):
    make_staff("nurse", NURSE)
    clinic = make_small_clinic()
    make_station_day(clinic)
    with watched_page(browser, java_script_enabled=False) as page:
        sign_in(page, live_server.url, NURSE)
        page.goto(f"{live_server.url}/station/?date=2026-11-19")

        note = page.locator(".refresh-note")
        expect(note).to_contain_text(
            "Without JavaScript the list does not refresh itself", use_inner_text=True
        )
        expect(page.get_by_text("The list refreshes itself every")).to_be_hidden()
        page.get_by_label("Provider").select_option(label="Dr. Chen")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"[?&]provider="))
        page.wait_for_load_state()
        assert patients_listed(page) == ["Ben Okafor", "Alice Moreno"]
        note.get_by_role("link", name="Reload").click()
        assert parse_qs(urlsplit(page.url).query)["provider"] == [str(clinic.chen.pk)]
        assert patients_listed(page) == ["Ben Okafor", "Alice Moreno"]
        # No axe-core here: it runs as JavaScript in the page. The other tests check this page.


def test_the_day_sheet_prints_each_rooms_cases_and_gaps_without_navigation(
    live_server, page, make_staff
):
    make_staff("nurse", NURSE)
    make_station_day(make_small_clinic())
    sign_in(page, live_server.url, NURSE)
    page.goto(f"{live_server.url}/station/?date=2026-11-19")

    page.get_by_role("link", name="Print the day sheet").click()

    assert urlsplit(page.url).path == "/station/print/"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Day sheet Thursday 19 November 2026 (tomorrow)"
    )
    assert page.get_by_role("navigation").count() == 0
    assert page.get_by_role("heading", level=2).all_inner_texts() == [
        "Suite 1 2 cases",
        "Suite 2 3 cases",
        "Not coming",
    ]
    ben = case_row(page, "Ben Okafor").get_by_role("cell")
    assert "restart Thu 19 Nov, 14:30" in ben.nth(2).inner_text()
    assert "INR needed" in ben.nth(2).inner_text()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "station-print-screen")

    # On paper: A4's printable width (210 mm less the sheet's 10 mm margins, 190 mm at 96 px
    # an inch), narrower than Letter's, so what fits A4 fits both.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 718, "height": 1016})

    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to the worklist")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 718
    assert_accessible(page)
    screenshot(page, "station-print")
