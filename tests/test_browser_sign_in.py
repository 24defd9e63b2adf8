"""Real Chromium against a live server: a page left alone goes to sign-in and says why, a
username locked after five wrong passwords, and a manager adding an authenticator app and
signing in with its code, by keyboard.

The server's clock is time-machine's (it runs from Wednesday 07:30 and the tests move it);
the page's timers are Playwright's fake clock, so half an hour passes in an instant for both.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.browser import PASSWORD, assert_accessible, screenshot, sign_in
from tests.scheduling_helpers import local

pytest_plugins = ["tests.browser"]

NOW = local(2026, 11, 18, 7, 30)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW, tick=True),
]

IDLE_MESSAGE = (
    "You were signed out after 30 minutes without activity, to keep patient information "
    "private. Sign in again to carry on."
)


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def press_enter_and_wait(page: Page) -> None:
    """Enter on a form's field or button, and the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def sign_in_by_keyboard(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    press_enter_and_wait(page)


def app_code(key_letters: str, steps_off: int = 0) -> str:
    """The code an authenticator app shows now for the key typed from the page (or the one
    `steps_off` half-minutes away)."""
    key = b32decode(key_letters.replace(" ", ""))
    return f"{totp(key, drift=steps_off):06d}"


def not_a_code_now(key_letters: str) -> str:
    """Six digits that django-otp refuses now (it takes the step before and after too)."""
    accepted = {app_code(key_letters, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


def test_a_page_left_alone_goes_to_sign_in_and_says_why(live_server, page, make_staff, clock):
    make_staff("scheduler", "sam.scheduler")
    page.clock.install()  # the page's timers, moved by the test
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/patients/")
    assert path_of(page) == "/patients/"

    # Ten minutes on, Sam works in another tab (same session): activity.
    clock.shift(dt.timedelta(minutes=10))
    assert page.request.get(f"{live_server.url}/patients/?q=a").ok
    # At this page's half hour, the session still has about ten minutes: the page stays.
    clock.shift(dt.timedelta(minutes=20, seconds=5))
    with page.expect_response(re.compile(r"/account/session/")) as asked:
        page.clock.fast_forward("30:06")
    assert 0 < asked.value.json()["seconds_left"] <= 10 * 60
    page.wait_for_timeout(300)
    assert path_of(page) == "/patients/"

    # Nothing more from Sam: when those ten minutes are up, the page goes to sign-in.
    clock.shift(dt.timedelta(minutes=10))
    with page.expect_navigation(url=re.compile(r"/login/")):
        page.clock.fast_forward("10:01")
    page.wait_for_load_state()

    assert path_of(page) == "/login/"
    assert "next=/patients/" in page.url
    expect(page.get_by_role("status")).to_have_text(IDLE_MESSAGE)
    assert page.get_by_text("Signed in as").count() == 0
    assert_accessible(page)
    screenshot(page, "sign-in-after-idle")


def test_five_wrong_passwords_lock_the_username_with_a_page_that_says_so(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    page.goto(f"{live_server.url}/login/")

    for attempt in range(1, 6):
        page.get_by_label("Username").fill("sam.scheduler")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        if attempt < 5:
            expect(page.get_by_role("alert")).to_contain_text("correct username and password")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked for a while")
    expect(page.get_by_role("alert")).to_contain_text(
        "Too many wrong passwords for this username: sign-in is locked for 15 more minutes."
    )
    assert "sam.scheduler" in page.locator("main").inner_text()
    assert page.get_by_text("Signed in as").count() == 0
    assert_accessible(page)
    screenshot(page, "sign-in-locked-out")

    # Even the right password waits for the lock to end.
    page.get_by_role("link", name="Back to sign in").click()
    page.get_by_label("Username").fill("sam.scheduler")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked for a while")


def test_a_manager_adds_an_app_and_signs_in_with_its_code_by_keyboard(
    live_server, page, make_staff, clock
):
    make_staff("manager", "maria.manager")
    sign_in_by_keyboard(page, live_server.url, "maria.manager")
    assert path_of(page) == "/dashboard/"

    page.goto(f"{live_server.url}/account/two-factor/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Authenticator app: a second step at sign-in"
    )
    assert_accessible(page)
    screenshot(page, "two-factor-start")
    page.get_by_role("button", name="Add an authenticator app").focus()
    press_enter_and_wait(page)

    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.get_attribute("src", timeout=1000).startswith("data:image/svg+xml")
    key = page.locator(".secret code").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )*[A-Z2-7]{4}", key), key
    assert_accessible(page)
    screenshot(page, "two-factor-scan")

    page.get_by_label("Code from the app").focus()
    page.keyboard.type(app_code(key))
    press_enter_and_wait(page)

    expect(page.get_by_role("status")).to_contain_text("Authenticator app added")
    expect(page.locator("main")).to_contain_text("Your account has an authenticator app")
    assert_accessible(page)
    screenshot(page, "two-factor-on")

    page.get_by_role("button", name="Sign out").focus()
    press_enter_and_wait(page)
    sign_in_by_keyboard(page, live_server.url, "maria.manager")

    assert path_of(page) == "/login/code/"
    code_field = page.get_by_label("Code from the app")
    expect(code_field).to_be_focused()
    assert page.get_by_text("Signed in as").count() == 0
    page.keyboard.type(not_a_code_now(key))
    press_enter_and_wait(page)
    expect(page.get_by_role("alert")).to_contain_text("That is not the app's current code.")
    expect(code_field).to_be_focused()
    assert_accessible(page)
    screenshot(page, "sign-in-code-refused")

    clock.shift(dt.timedelta(seconds=30))  # the app's next code, after django-otp's short wait
    page.keyboard.type(app_code(key))
    press_enter_and_wait(page)

    assert path_of(page) == "/dashboard/"
    expect(page.locator(".account .username")).to_have_text("maria.manager")
