"""Real Chromium: a manager opens a patient's page and reads who looked at the record, from
the pages, the API and the admin; a scheduler opening the same page sees no such section.
Checked with axe-core; screenshots go to $SCREENS_DIR/who-looked-*.png when SCREENS_DIR is
set."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from tests.browser import assert_accessible, screenshot, sign_in, watched_page
from tests.factories import PatientFactory
from tests.scheduling_helpers import local

pytest_plugins = ["tests.browser"]

NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW, tick=True),
]


def test_a_manager_reads_who_looked_at_a_patient_and_a_scheduler_does_not(
    live_server, page: Page, browser: Browser, make_staff
):
    ann = PatientFactory(mrn="A100", first_name="Ann", last_name="Lee")
    make_staff("scheduler", "sam.scheduler")
    make_staff("manager", "maria.manager")
    nurse = make_staff("nurse", "nina.nurse")
    url = f"{live_server.url}/patients/{ann.pk}/"

    # Sam opens Ann's page in the browser; Nina's script reads her record from the API; an
    # admin look, as a manager's would be, through the admin's change view.
    with watched_page(browser) as sams:
        sign_in(sams, live_server.url, "sam.scheduler")
        sams.goto(url)
        expect(sams.get_by_role("heading", name="Ann Lee")).to_be_visible()
        expect(sams.get_by_role("heading", name="Who looked at this patient")).to_have_count(0)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(nurse)[1]}")
    assert api.get(f"/api/patients/{ann.pk}/").status_code == 200
    admin = Client()
    admin.force_login(make_staff("manager", "mo.manager"))
    assert admin.get(f"/admin/clinic/patient/{ann.pk}/change/").status_code == 200

    sign_in(page, live_server.url, "maria.manager")
    page.goto(url)

    section = page.get_by_role("region", name="Who looked at this patient")
    expect(section).to_be_visible()
    table = section.get_by_role("table")
    expect(table).to_contain_text("3 views, newest first")
    expect(table.get_by_role("row")).to_have_count(4)  # the header and three reads
    expect(table.get_by_role("row").nth(1)).to_contain_text("mo.manager")
    expect(table.get_by_role("row").nth(1)).to_contain_text("Admin: patient record")
    expect(table.get_by_role("row").nth(2)).to_contain_text("nina.nurse")
    expect(table.get_by_role("row").nth(2)).to_contain_text("API: patient record")
    expect(table.get_by_role("row").nth(3)).to_contain_text("sam.scheduler")
    expect(table.get_by_role("row").nth(3)).to_contain_text("Patient page")
    assert_accessible(page)
    screenshot(section, "who-looked-section")
    screenshot(page, "who-looked-patient-page")

    # Maria's own visit is in the list from her next one.
    page.reload()
    expect(section.get_by_role("row").nth(1)).to_contain_text("maria.manager")
