"""Playwright fixtures: Debian's Chromium, launched once per session, one context per test.

Load with `pytest_plugins = ["tests.browser"]` in a browser test module. Playwright never
downloads a browser here; `make setup` installs Debian's `chromium` when it is missing.

Screenshots are kept only where SCREENS_DIR names a folder (`SCREENS_DIR=/work/screens`):
a run without it, as in CI, writes no files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from playwright.sync_api import Browser, FloatRect, Locator, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Long enough for a cold page on a slow CI machine, short enough that a broken page fails.
TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        message = f"{CHROMIUM} is missing; install Debian's chromium package (`make setup`)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

    # Playwright's sync API keeps an asyncio event loop running in this thread for as long as
    # it is open, so Django takes the thread for async code. Two consequences:
    #
    # 1. Django refuses ORM calls here (SynchronousOnlyOperation), although nothing is async:
    #    the tests are plain blocking code and the live server answers from its own thread.
    #    The flag lifts that check while the browser is open (the rest of the session).
    # 2. `django.db.connections` is an asgiref Local, which keeps a separate set of connection
    #    objects while a loop runs. The new ones point at the test databases (the settings are
    #    shared) but lack the snapshot that serialized rollback restores the migrated catalog
    #    from, so it is handed over from the first set (taken before the loop starts; hence
    #    `django_db_setup` above).
    snapshots = {
        alias: connections[alias]._test_serialized_contents  # type: ignore[attr-defined]
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, snapshot in snapshots.items():
                connections[alias]._test_serialized_contents = snapshot  # type: ignore[attr-defined]
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield chromium
            chromium.close()
            # Close the second set while it is still reachable, so nothing holds the test
            # databases open when pytest-django drops them.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


PASSWORD = "pw-for-tests-1"  # the password tests/conftest.py's make_staff gives every user
# axe-core impacts that fail a page (PAGES.md: no serious or critical violation).
BLOCKING_IMPACTS = {"serious", "critical"}


@contextmanager
def watched_page(browser: Browser, **context_options: Any) -> Iterator[Page]:
    """A fresh page in a context of its own (1366x900 unless told), watched for the
    Content-Security-Policy: on leaving, the context closes and the test fails if the policy
    blocked anything, for a script or a style the policy refuses is a page that works
    differently for users than in review. `context_options` go to `browser.new_context`
    (e.g. `java_script_enabled=False`). Use it for a second person in the same test.
    """
    context = browser.new_context(**{"viewport": VIEWPORT, **context_options})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    blocked: list[str] = []
    opened.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    try:
        yield opened
    finally:
        context.close()
    assert blocked == [], f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh watched page (`watched_page`): no cookies or storage shared between tests."""
    with watched_page(browser) as opened:
        yield opened


def screenshot(
    target: Page | Locator, name: str, *, full_page: bool = True, clip: FloatRect | None = None
) -> None:
    """Keep a picture for people to look at, as `$SCREENS_DIR/<name>.png`; nothing without
    SCREENS_DIR. A page is taken whole unless `full_page=False` or a `clip` is given; a
    locator, just that element."""
    folder = os.environ.get("SCREENS_DIR")
    if not folder:
        return
    path = Path(folder) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(target, Locator):
        target.screenshot(path=str(path))
    elif clip is not None:
        target.screenshot(path=str(path), clip=clip)
    else:
        target.screenshot(path=str(path), full_page=full_page)


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through /login/ as a person would; the page lands on the role's start page."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


_AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core over the page as it stands: no serious or critical violation."""
    results = _AXE.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{page.url}: " + "; ".join(blocking)
