"""Real Chromium against a live server: the API docs page and the managers' admin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from procedures.models import HoldRule

pytest_plugins = ["tests.browser"]

# The catalog and hold table come from data migrations; a transactional test flushes the
# tables afterwards, and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pw-for-tests-1"  # the password tests/conftest.py's make_staff gives every user


def log_into_admin(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    # The admin's login sends to the clinic's own sign-in page (one door: config.admin_site).
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_docs_page_renders_swagger_ui_with_the_operations_from_local_assets(live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock-summary-path")

    paths = page.eval_on_selector_all(
        ".swagger-ui .opblock-summary-path", "els => els.map(e => e.dataset.path)"
    )
    assert {"/api/auth/token/", "/api/procedure-types/", "/api/drugs/", "/api/patients/"} <= set(
        paths
    )
    assert (
        page.locator(".swagger-ui .info .title")
        .inner_text()
        .startswith("Pain clinic procedure scheduling API")
    )
    ours = urlsplit(live_server.url).netloc
    elsewhere = [
        url
        for url in requested
        if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != ours
    ]
    assert elsewhere == [], "the docs page must work offline"


def test_a_manager_logs_into_the_admin_and_opens_a_drugs_hold_rules(live_server, page, make_staff):
    manager = make_staff("manager", "maria.manager")
    warfarin_holds = HoldRule.objects.filter(drug__code="warfarin").count()
    assert warfarin_holds > 0  # seeded by the procedures data migration

    log_into_admin(page, live_server.url, manager.username)

    content = page.locator("#content-main")
    assert content.get_by_role("link", name="Procedure types", exact=True).is_visible()
    content.get_by_role("link", name="Drugs", exact=True).click()
    page.locator("#result_list").get_by_role("link", name="warfarin", exact=True).click()

    holds = page.locator("#hold_rules-group")
    assert holds.locator("h2").inner_text().lower().startswith("hold rules")
    assert holds.locator("tr.form-row.has_original").count() == warfarin_holds
    assert page.locator("#id_name").input_value() == "Warfarin"


def test_a_nurse_without_staff_status_cannot_get_into_the_admin(live_server, page, make_staff):
    nurse = make_staff("nurse", "nina.nurse")
    assert not nurse.is_staff

    log_into_admin(page, live_server.url, nurse.username)

    assert urlsplit(page.url).path == "/admin/login/"
    assert "This page is for managers" in page.locator("main").inner_text()

    page.goto(f"{live_server.url}/admin/procedures/drug/")
    assert urlsplit(page.url).path == "/admin/login/"
    assert page.locator("#result_list").count() == 0
