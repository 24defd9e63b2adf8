"""The manager's dashboard page and its CSV exports, on the hand-made Monday of
tests/dashboard_helpers.py (right answers in tests/test_dashboard_measures.py)."""

from __future__ import annotations

import csv
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.dashboard.filters import Filters
from scheduling.dashboard.registry import EXPORTS
from scheduling.dashboard.utilisation import utilisation
from tests.dashboard_helpers import MONDAY, Monday, make_monday
from tests.pages_helpers import page_text
from tests.scheduling_helpers import SmallClinic, book_case, local

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 3, 3, 12))]

THE_DAY = "from=2026-03-02&to=2026-03-02"


@pytest.fixture
def monday(clinic: SmallClinic, clock: time_machine.Traveller) -> Monday:
    return make_monday(clinic)


def test_the_dashboard_shows_every_measure_with_how_it_is_counted(monday, pages_as):
    response = pages_as("manager").get(f"/dashboard/?{THE_DAY}")
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    for heading in (
        "Utilisation by room",
        "Utilisation by provider",
        "Cases by procedure",
        "First cases on time",
        "Turnover between back-to-back cases",
        "Access",
        "Cancellations by cause",
        "No-shows by booking lead time",
        "Reminders",
        "Checklist",
        "Booked cases needing attention",
    ):
        assert heading in text, heading
    # Every measure says how it is counted and offers its rows as CSV.
    measures = len(re.findall(r'<div class="measure[ "]', html))
    assert measures == 16
    assert html.count("How is this counted:") == measures
    assert html.count("Download as CSV") == measures
    # Charts are drawn on the server as SVG with a text alternative.
    assert html.count('role="img"') >= 8
    assert "<desc " in html
    # Suite 1: 90 of 720 open minutes.
    assert "12.5%" in text
    assert "Dr. Chen" in text and "16.7%" in text


def test_the_headline_figures_add_up_the_tables(monday, pages_as):
    html = pages_as("manager").get(f"/dashboard/?{THE_DAY}").content.decode()
    headlines = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert headlines["Cases done"] == "3"
    assert headlines["Cancelled on the day"] == "1"
    assert headlines["No-show rate"] == "25%"  # D of A, B, C, D
    assert headlines["Room utilisation"] == "6%"  # 135 of 2,160 minutes


def test_the_default_range_is_the_last_30_days_and_the_next_14(monday, pages_as):
    html = pages_as("manager").get("/dashboard/").content.decode()
    assert "Sun 1 Feb 2026 to Tue 17 Mar 2026 · 45 days" in html
    assert 'type="date" name="from" value="2026-02-01"' in html
    assert 'type="date" name="to" value="2026-03-17"' in html


def test_filters_live_in_the_url_and_in_every_export_link(monday, pages_as):
    ortiz = monday.clinic.ortiz
    response = pages_as("manager").get(f"/dashboard/?{THE_DAY}&provider={ortiz.pk}")
    html = response.content.decode()
    assert f'<option value="{ortiz.pk}" selected>Dr. Ortiz</option>' in html
    links = re.findall(r'href="(/dashboard/export/[^"]+)"', html)
    assert len(links) == 16
    assert all(f"provider={ortiz.pk}" in link.replace("&amp;", "&") for link in links)
    assert (
        "Dr. Chen"
        not in page_text(response)
        .split("Utilisation by provider")[1]
        .split("Utilisation per day")[0]
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-03-05&to=2026-03-01", "The end of the range comes before its start."),
        ("from=2020-01-01&to=2026-03-01", "Choose a range of at most 731 days"),
        ("from=9999-01-01", "Choose a date between 1900 and 2200."),
        ("from=yesterday", "Enter a valid date."),
        ("provider=999999", "Select a valid choice."),
    ],
)
def test_bad_filters_are_refused_on_their_field(monday, pages_as, query, message):
    response = pages_as("manager").get(f"/dashboard/?{query}")
    assert response.status_code == 400
    assert message in page_text(response)
    assert "Download as CSV" not in response.content.decode()


def test_an_export_holds_the_rows_of_the_table_on_the_page(monday, pages_as):
    response = pages_as("manager").get(f"/dashboard/export/utilisation-rooms.csv?{THE_DAY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="utilisation-rooms-20260302-20260302.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Room", "Booked hours", "Open hours", "Utilisation"]
    table = utilisation(Filters(first=MONDAY, last=MONDAY)).by_room
    assert len(rows) == 1 + len(table.rows)
    suite1 = next(r for r in rows if r[0].startswith("Suite 1"))
    assert suite1[1:] == ["1.5", "12.0", "12.5"]


@pytest.mark.parametrize("slug", sorted(EXPORTS))
def test_every_table_exports(monday, pages_as, slug):
    response = pages_as("manager").get(f"/dashboard/export/{slug}.csv?{THE_DAY}")
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header and all(header)


def test_exports_are_for_managers_and_known_tables_only(monday, pages_as):
    assert pages_as("scheduler").get("/dashboard/export/volume.csv").status_code == 403
    assert pages_as("nurse").get("/dashboard/export/volume.csv").status_code == 403
    manager = pages_as("manager")
    assert manager.get("/dashboard/export/nothing.csv").status_code == 404
    refused = manager.get("/dashboard/export/volume.csv?from=2026-03-05&to=2026-03-01")
    assert refused.status_code == 400
    assert "The end of the range comes before its start." in refused.content.decode()


def test_the_page_reads_in_a_number_of_queries_that_does_not_grow_with_the_cases(monday, pages_as):
    client = pages_as("manager")
    client.get(f"/dashboard/?{THE_DAY}")  # warm the session and the content types
    with CaptureQueriesContext(connection) as before:
        client.get(f"/dashboard/?{THE_DAY}")
    with time_machine.travel(local(2026, 2, 20, 9), tick=False):
        for hour in (11, 12, 16):
            book_case(monday.clinic, start=local(2026, 3, 2, hour), provider=monday.clinic.chen)
    with CaptureQueriesContext(connection) as after:
        client.get(f"/dashboard/?{THE_DAY}")
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]


def test_a_long_list_shows_its_first_rows_and_the_csv_has_them_all(monday, pages_as):
    from scheduling.models import Reminder, ReminderStatus

    failed = Reminder.objects.filter(appointment__in=monday.cases.values())
    rows = list(failed[:1])
    assert rows, "the Monday's cases have reminders"
    template = rows[0]
    Reminder.objects.bulk_create(
        Reminder(
            kind=template.kind,
            appointment=template.appointment,
            patient=template.patient,
            channel=template.channel,
            due_at=local(2026, 3, 2, 6),
            next_attempt_at=local(2026, 3, 2, 6),
            status=ReminderStatus.FAILED,
            attempts=5,
            last_error=f"<b>mailbox full</b> ({n})",
        )
        for n in range(60)
    )
    client = pages_as("manager")
    response = client.get(f"/dashboard/?{THE_DAY}")
    assert "Showing the first 50 of 60; the CSV below has them all." in page_text(response)
    # What a channel answered is shown as text, never as markup.
    html = response.content.decode()
    assert "&lt;b&gt;mailbox full&lt;/b&gt; (59)" in html
    assert "<b>mailbox" not in html
    exported = client.get(f"/dashboard/export/reminder-failures.csv?{THE_DAY}").content.decode()
    assert len(list(csv.reader(io.StringIO(exported)))) == 1 + 60
