"""The nurse's worklist `/station/` and day sheet `/station/print/`, through the Django client.

A Wednesday at 07:30, before the first case: the nurses look at today and tomorrow. Every
case is booked, ticked, cancelled and flagged through the real services.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Patient, Provider, Room
from procedures.models import AuthorizationStatus
from scheduling import services
from scheduling.attention import ROOM, set_attention
from scheduling.models import Appointment, CancelCause
from tests.factories import PatientFactory, ProviderFactory, RoomFactory, drug, payer
from tests.pages_helpers import html_of, page_text, table_rows, visible_text
from tests.scheduling_helpers import SmallClinic, book_case, local, working_week

NOW = local(2026, 11, 18, 7, 30)  # Wednesday, half an hour before the clinic opens
TODAY, TOMORROW = dt.date(2026, 11, 18), dt.date(2026, 11, 19)
# A week before: early enough for a warfarin hold (five days without, and a stop reminder).
BOOKED_AT = local(2026, 11, 10, 9, 0)
HEADER = [
    "Time",
    "Patient",
    "Procedure",
    "Provider",
    "Checklist",
    "Blood thinners",
    "Prior authorization",
    "Status",
]

pytestmark = pytest.mark.clock_at(NOW)


def tick(case: Appointment, *codes: str, value: str | None = None) -> None:
    """A nurse ticks these items of the case's checklist, through the service."""
    for item in case.checklist_items.filter(code__in=codes):
        services.checklist_tick(
            appointment=case, item=item, done=True, value=value, acting_user=None
        )


def medicare(first: str, last: str) -> Patient:
    """Medicare lists MBB as needing prior authorization: the case gets the item."""
    return PatientFactory(first_name=first, last_name=last, payer=payer("medicare"))


def authorization(patient: Patient, status: str, number: str = "") -> None:
    services.authorization_save(
        patient=patient,
        acting_user=None,
        procedure_type=SmallClinic.procedure("MBB"),
        payer=patient.payer,
        status=status,
        number=number,
        valid_from=dt.date(2026, 11, 1) if number else None,
        valid_to=dt.date(2026, 12, 31) if number else None,
    )


@dataclass
class StationDay:
    ben: Appointment  # Suite 1, 08:00: warfarin held, nothing ticked
    alice: Appointment  # Suite 1, 09:00: authorization approved, two items ticked
    carmen: Appointment  # Suite 2, 08:30: authorization requested, not approved
    dana: Appointment  # Suite 2, 10:00: every required item done
    farid: Appointment  # Suite 2, 13:00: warfarin started too late, flagged
    eve: Appointment  # Exam 1, 11:30: cancelled
    gina: Appointment  # today, Suite 1, 09:00


def make_station_day(clinic: SmallClinic) -> StationDay:
    """Tomorrow's cases in three rooms, each at another stage of its checklist, and one today."""
    at = TOMORROW.year, TOMORROW.month, TOMORROW.day
    with time_machine.travel(BOOKED_AT, tick=False):
        ben = PatientFactory(first_name="Ben", last_name="Okafor")
        services.medication_add(patient=ben, drug=drug("warfarin"), acting_user=None)
        ben_case = book_case(
            clinic, patient=ben, start=local(*at, 8, 0), code="ESI_TF", side="left"
        )
        farid_case = book_case(
            clinic,
            patient=PatientFactory(first_name="Farid", last_name="Haddad"),
            start=local(*at, 13, 0),
            code="ESI_IL",
            side="left",
            provider=clinic.ortiz,
            room=clinic.suite2,
        )
    alice = medicare("Alice", "Moreno")
    authorization(alice, AuthorizationStatus.APPROVED, "PA-7731")
    alice_case = book_case(clinic, patient=alice, start=local(*at, 9, 0))
    tick(alice_case, "identity", "consent")
    carmen = medicare("Carmen", "Silva")
    authorization(carmen, AuthorizationStatus.REQUESTED)
    carmen_case = book_case(
        clinic,
        patient=carmen,
        start=local(*at, 8, 30),
        side="left",
        provider=clinic.ortiz,
        room=clinic.suite2,
    )
    dana_case = book_case(
        clinic,
        patient=PatientFactory(first_name="Dana", last_name="Whitfield"),
        start=local(*at, 10, 0),
        code="TPI",
        region="cervical",
        side="left",
        provider=clinic.ortiz,
        room=clinic.suite2,
    )
    tick(dana_case, "identity", "consent", "no_infection")
    eve_case = book_case(
        clinic,
        patient=PatientFactory(first_name="Eve", last_name="Novak"),
        start=local(*at, 11, 30),
        code="TPI",
        room=clinic.exam,
    )
    services.appointment_cancel(
        appointment=eve_case,
        reason="Flu since Monday",
        cause=CancelCause.PATIENT_ILL,
        acting_user=None,
    )
    # Started today: five days without warfarin before tomorrow can no longer be kept.
    services.medication_add(patient=farid_case.patient, drug=drug("warfarin"), acting_user=None)
    gina_case = book_case(
        clinic,
        patient=PatientFactory(first_name="Gina", last_name="Lopez"),
        start=local(TODAY.year, TODAY.month, TODAY.day, 9, 0),
    )
    return StationDay(
        ben=ben_case,
        alice=alice_case,
        carmen=carmen_case,
        dana=dana_case,
        farid=farid_case,
        eve=eve_case,
        gina=gina_case,
    )


@pytest.fixture
def day(clinic: SmallClinic) -> StationDay:
    return make_station_day(clinic)


def rows_of(html: str) -> list[list[str]]:
    """The worklist's rows under its header: a room's row (one cell), then its cases."""
    rows = table_rows(html)
    assert rows[0] == HEADER
    return rows[1:]


def case_rows(html: str) -> dict[str, list[str]]:
    """The worklist's case rows (its rooms' rows left out) by patient name."""
    return {row[1].split(" MRN")[0]: row for row in rows_of(html) if len(row) > 1}


def station(client, query: str = "", **headers: str):
    return client.get(f"/station/{query}", headers=headers)


# --- What the nurse sees ----------------------------------------------------------------------


def test_tomorrows_cases_are_listed_per_room_in_time_order(day, pages_as):
    html = html_of(station(pages_as("nurse"), "?date=2026-11-19"))

    assert [row[:2] for row in rows_of(html)] == [
        ["Suite 1 2 cases"],
        ["08:00–08:30", "Ben Okafor " + day.ben.patient.mrn],
        ["09:00–09:30", "Alice Moreno " + day.alice.patient.mrn],
        ["Suite 2 3 cases"],
        ["08:30–09:00", "Carmen Silva " + day.carmen.patient.mrn],
        ["10:00–10:15", "Dana Whitfield " + day.dana.patient.mrn],
        ["13:00–13:30", "Farid Haddad " + day.farid.patient.mrn],
    ]
    text = visible_text(html)
    assert "Worklist Thursday 19 November 2026 (tomorrow)" in text
    assert "5 cases in 2 rooms. 4 with open checklist items. 1 needs attention." in text


def test_each_case_says_its_checklist_holds_authorization_and_status_in_words(day, pages_as):
    rows = case_rows(html_of(station(pages_as("nurse"), "?date=2026-11-19")))

    assert rows["Ben Okafor"][2:] == [
        "Transforaminal epidural steroid injection Lumbar, left",
        "Dr. Chen",
        "0 of 7 required done Identity, procedure, region and side confirmed Consent signed "
        "No fever, infection or antibiotics Anticoagulant hold confirmed, prescriber approved "
        "INR recorded on the day, within limit Contrast allergy reviewed Imaging reviewed",
        "Warfarin: last dose Fri 13 Nov Hold not confirmed INR pending",
        "Not needed",
        "Scheduled",
    ]
    assert rows["Alice Moreno"][4:] == [
        "3 of 5 required done No fever, infection or antibiotics Contrast allergy reviewed",
        "None held",
        "Approved PA-7731",
        "Scheduled",
    ]
    assert rows["Carmen Silva"][6] == "Missing requested, no answer yet"
    assert rows["Dana Whitfield"][4] == "All 3 required done"
    assert rows["Farid Haddad"][5].startswith("Warfarin: last dose Fri 13 Nov Hold not confirmed")
    assert rows["Farid Haddad"][7] == (
        "Scheduled Needs attention: Hold cannot be met: Warfarin (5 days) had to stop before "
        "the case on Thu 19 Nov 2026, and that last dose day has passed. Reschedule, or "
        "confirm a plan with the prescriber."
    )


def test_a_confirmed_hold_and_a_recorded_inr_are_said_so(day, pages_as):
    tick(day.ben, "hold_confirmed")
    with time_machine.travel(local(2026, 11, 19, 7, 0), tick=False):
        tick(day.ben, "inr", value="1.1")

    ben = case_rows(html_of(station(pages_as("nurse"), "?date=2026-11-19")))["Ben Okafor"]

    assert ben[4].startswith("2 of 7 required done")
    assert ben[5] == "Warfarin: last dose Fri 13 Nov Hold confirmed INR 1.1"


def test_each_case_opens_in_one_click_and_the_patient_record_is_beside_it(day, pages_as):
    html = html_of(station(pages_as("nurse"), "?date=2026-11-19"))

    assert (
        f'<a id="case-{day.alice.pk}" class="case-link" href="/appointments/{day.alice.pk}/">'
        "Alice Moreno</a>" in html
    )
    assert f'href="/patients/{day.alice.patient_id}/"><span class="visually-hidden">' in html


def test_today_is_the_default_and_tomorrow_is_one_click_away(day, pages_as):
    html = html_of(station(pages_as("nurse")))

    assert [row[1] for row in rows_of(html)[1:]] == ["Gina Lopez " + day.gina.patient.mrn]
    assert "Worklist Wednesday 18 November 2026 (today)" in visible_text(html)
    assert '<a class="button secondary" href="/station/?date=2026-11-19">Tomorrow</a>' in html
    assert 'href="/station/?date=2026-11-17" rel="prev">' in html
    assert 'href="/station/?date=2026-11-18" aria-current="date">Today</a>' in html


def test_a_day_without_cases_says_so(day, pages_as):
    text = page_text(station(pages_as("nurse"), "?date=2026-11-21"))

    assert "0 cases." in text
    assert "No cases booked for Saturday 21 November." in text


def test_a_wrong_date_shows_today_with_the_error_beside_the_date(day, pages_as):
    response = station(pages_as("nurse"), "?date=2026-02-31")

    text = page_text(response)
    assert "Worklist Wednesday 18 November 2026 (today)" in text
    assert "Enter a valid date." in text
    assert 'aria-describedby="station-date-errors"' in response.content.decode()


@pytest.mark.parametrize("role", ["nurse", "manager"])
def test_nurses_and_managers_open_the_worklist_and_the_day_sheet(day, pages_as, role):
    client = pages_as(role)

    assert station(client).status_code == 200
    assert client.get("/station/print/").status_code == 200


def test_a_scheduler_is_told_the_station_is_for_nurses_and_managers(day, pages_as):
    client = pages_as("scheduler")

    for url in ("/station/", "/station/print/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "This page is for nurses and managers." in page_text(response)


# --- Filters ----------------------------------------------------------------------------------


def test_a_room_filter_shows_that_room_only_and_every_link_keeps_it(day, clinic, pages_as):
    query = f"?date=2026-11-19&room={clinic.suite2.pk}"
    html = html_of(station(pages_as("nurse"), query))

    assert [row[0] for row in rows_of(html)] == [
        "Suite 2 3 cases",
        "08:30–09:00",
        "10:00–10:15",
        "13:00–13:30",
    ]
    assert "Showing 3 of 5 cases in Suite 2." in visible_text(html)
    assert f'<option value="{clinic.suite2.pk}" selected>Suite 2</option>' in html
    # Today, tomorrow, the other days, the refresh and the day sheet keep the room.
    assert f'href="/station/?date=2026-11-18&amp;room={clinic.suite2.pk}">Today</a>' in html
    assert f'href="/station/?date=2026-11-20&amp;room={clinic.suite2.pk}" rel="next">' in html
    assert f'hx-get="/station/?date=2026-11-19&amp;room={clinic.suite2.pk}"' in html
    assert f'href="/station/print/?date=2026-11-19&amp;room={clinic.suite2.pk}"' in html
    assert 'href="/station/?date=2026-11-19">Clear filters</a>' in html


def test_a_provider_filter_and_open_items_only_combine(day, clinic, pages_as):
    query = f"?date=2026-11-19&provider={clinic.ortiz.pk}&open=1"
    html = html_of(station(pages_as("nurse"), query))

    # Dana's checklist is done; Eve's case is cancelled: neither is left to work on.
    assert list(case_rows(html)) == ["Carmen Silva", "Farid Haddad"]
    assert "Showing 2 of 5 cases with open items with Dr. Ortiz." in visible_text(html)
    assert 'id="station-open" name="open" value="1" checked' in html
    assert f'hx-get="/station/?date=2026-11-19&amp;provider={clinic.ortiz.pk}&amp;open=1"' in html
    assert "Not coming" not in visible_text(html)
    # The day sheet lists the whole day of that provider, open items or not.
    assert f'href="/station/print/?date=2026-11-19&amp;provider={clinic.ortiz.pk}"' in html


def test_a_checked_in_case_with_open_items_stays_on_the_open_items_list(day, pages_as):
    with time_machine.travel(local(2026, 11, 19, 7, 45), tick=False):
        services.appointment_check_in(
            appointment=day.carmen, acting_user=None, override_reason="Consent signed on paper"
        )
        html = html_of(station(pages_as("nurse"), "?open=1"))

    assert case_rows(html)["Carmen Silva"][7] == (
        "Checked in since 07:45 Checked in with an override: “Consent signed on paper”"
    )


def test_an_unknown_room_or_provider_is_ignored_as_a_wrong_date_is(day, pages_as):
    html = html_of(station(pages_as("nurse"), "?date=2026-11-19&room=9999&provider=abc"))

    assert len(case_rows(html)) == 5
    assert 'hx-get="/station/?date=2026-11-19"' in html
    assert "Clear filters" not in html


def test_filters_that_match_nothing_offer_the_whole_day(day, clinic, pages_as):
    text = page_text(station(pages_as("nurse"), f"?date=2026-11-19&room={clinic.exam.pk}"))

    assert "Showing 0 of 5 cases in Exam 1." in text
    assert "No case matches these filters. Show every case of the day." in text
    # The cancelled case of that room is still said.
    assert "Not coming (1) 11:30 Eve Novak, Trigger point injections, Exam 1: Cancelled" in text


def test_cancelled_and_no_show_cases_are_listed_apart_with_their_cause(day, pages_as):
    html = html_of(station(pages_as("nurse"), "?date=2026-11-19"))

    assert not any("Eve Novak" in cell for row in rows_of(html) for cell in row)
    assert (
        "Not coming (1) 11:30 Eve Novak, Trigger point injections, Exam 1: Cancelled "
        "(Patient ill)" in visible_text(html)
    )


# --- The refresh ------------------------------------------------------------------------------


def test_the_page_polls_its_own_url_and_swaps_only_the_list(day, clinic, pages_as):
    html = html_of(station(pages_as("nurse"), f"?date=2026-11-19&room={clinic.suite1.pk}"))

    [poller] = re.findall(r"<div id=\"worklist\"[^>]*>", html)
    assert f'hx-get="/station/?date=2026-11-19&amp;room={clinic.suite1.pk}"' in poller
    assert 'hx-trigger="every 30s"' in poller
    assert 'hx-swap="innerHTML"' in poller
    # The filters are outside the part that is swapped: what the nurse is choosing stays.
    assert html.index('class="station-filters"') < html.index('id="worklist"')
    assert f'<a href="/station/?date=2026-11-19&amp;room={clinic.suite1.pk}">Reload</a>' in html


def test_the_refresh_answers_the_list_alone_for_the_same_filters(day, clinic, pages_as):
    response = station(
        pages_as("nurse"), f"?date=2026-11-19&room={clinic.suite1.pk}", HX_Request="true"
    )

    html = html_of(response)
    assert "<html" not in html and "site-header" not in html and "<form" not in html
    assert 'id="worklist"' not in html  # the inside of the container, not the container
    assert [row[0] for row in rows_of(html)] == ["Suite 1 2 cases", "08:00–08:30", "09:00–09:30"]
    assert "Updated at 07:30:00." in visible_text(html)
    assert "HX-Request" in response["Vary"]


def test_the_refresh_interval_is_a_setting(day, pages_as, settings):
    settings.STATION_REFRESH_SECONDS = 5

    html = html_of(station(pages_as("nurse")))

    assert 'hx-trigger="every 5s"' in html
    assert "The list refreshes itself every 5 seconds." in visible_text(html)


def test_a_refresh_after_signing_out_reloads_the_page_to_sign_in(day, client):
    response = client.get("/station/?date=2026-11-19", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert client.get("/station/?date=2026-11-19")["Location"].startswith("/login/?next=")


# --- Queries ----------------------------------------------------------------------------------


PLACES = 6  # providers and rooms, each provider in a room of their own all day


def fill_day(clinic: SmallClinic, count: int, *, first: int = 0) -> None:
    """`count` cases tomorrow: each third with warfarin held, a missing authorization (a
    request waiting) or neither, in six rooms with six providers, every 45 minutes."""
    places = [(provider_named(f"Dr. Place{n}"), room_named(f"Suite P{n}")) for n in range(PLACES)]
    for index in range(first, first + count):
        provider, room = places[index % PLACES]
        start = local(2026, 11, 19, 8, 0) + dt.timedelta(minutes=45 * (index // PLACES))
        kind = index % 3
        if kind == 1:
            patient = medicare("Many", f"Case{index}")
            authorization(patient, AuthorizationStatus.REQUESTED)
        else:
            patient = PatientFactory(first_name="Many", last_name=f"Case{index}")
        with time_machine.travel(BOOKED_AT, tick=False):
            if kind == 0:
                services.medication_add(patient=patient, drug=drug("warfarin"), acting_user=None)
            book_case(
                clinic,
                patient=patient,
                start=start,
                code=("ESI_TF", "MBB", "TPI")[kind],
                provider=provider,
                room=room,
            )


def provider_named(name: str) -> Provider:
    found = Provider.objects.filter(name=name).first()
    if found is None:
        found = ProviderFactory(name=name)
        working_week(found, dt.time(8), dt.time(17))
    return found


def room_named(name: str) -> Room:
    return Room.objects.filter(name=name).first() or RoomFactory(name=name)


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_worklist_and_the_day_sheet_read_the_same_number_of_queries_for_3_or_60_cases(
    clinic, pages_as, django_assert_max_num_queries
):
    client = pages_as("nurse")
    fill_day(clinic, 3)
    url, sheet = "/station/?date=2026-11-19", "/station/print/?date=2026-11-19"
    client.get(url)  # the session and the user, as on any later request
    # 11: the worklist's reads and the read audit's one INSERT.
    with django_assert_max_num_queries(11):
        assert client.get(url).status_code == 200
    few = queries_of(client, url), queries_of(client, sheet)
    fill_day(clinic, 57, first=3)

    with django_assert_max_num_queries(11):
        response = client.get(url)
    assert "60 cases in 6 rooms." in page_text(response)
    assert (queries_of(client, url), queries_of(client, sheet)) == few
    # The refresh reads no more than the page.
    assert queries_of(client, url.replace("?", "?open=1&")) == few[0]


# --- The day sheet ----------------------------------------------------------------------------


def test_the_day_sheet_lists_each_rooms_cases_with_their_gaps_holds_and_authorization(
    day, pages_as
):
    response = pages_as("nurse").get("/station/print/?date=2026-11-19")

    html = html_of(response)
    sheet_rows = table_rows(html)
    ben = next(row for row in sheet_rows if row[1].startswith("Ben Okafor"))
    assert ben == [
        "08:00–08:30",
        f"Ben Okafor MRN {day.ben.patient.mrn} · born 17 May 1960",
        "Transforaminal epidural steroid injection Lumbar, left Dr. Chen",
        "Warfarin: last dose Fri 13 Nov; restart Thu 19 Nov, 14:30 INR needed Hold not confirmed",
        "Identity, procedure, region and side confirmed Consent signed No fever, infection or "
        "antibiotics Anticoagulant hold confirmed, prescriber approved INR recorded on the day, "
        "within limit Contrast allergy reviewed Imaging reviewed",
        "Not needed",
    ]
    dana = next(row for row in sheet_rows if row[1].startswith("Dana Whitfield"))
    assert dana[4:] == ["All 3 required done", "Not needed"]
    alice = next(row for row in sheet_rows if row[1].startswith("Alice Moreno"))
    assert alice[5] == "Approved, PA-7731"
    text = visible_text(html)
    assert re.search(
        r"Day sheet Thursday 19 November 2026 \(tomorrow\) Riverside Pain Clinic · 5 cases "
        r"· printed Wed 18 Nov 2026, 07:30 by nurse-\d+ Suite 1 2 cases",
        text,
    ), text
    assert "Suite 2 3 cases" in text
    assert "Not coming 11:30 Eve Novak, Trigger point injections, Exam 1: Cancelled" in text


def test_the_day_sheet_has_no_navigation_and_a_print_stylesheet(day, pages_as):
    html = html_of(pages_as("nurse").get("/station/print/?date=2026-11-19"))

    assert "<nav" not in html and "site-header" not in html and "Sign out" not in html
    assert "/static/scheduling/station.css" in html
    css = Path("scheduling/static/scheduling/station.css").read_text()
    assert "@page" in css and "@media print" in css
    assert '<a href="/station/?date=2026-11-19">Back to the worklist</a>' in html


def test_the_day_sheet_of_one_room_says_so_and_ignores_open_items_only(day, clinic, pages_as):
    text = page_text(
        pages_as("nurse").get(f"/station/print/?date=2026-11-19&room={clinic.suite2.pk}&open=1")
    )

    assert "Riverside Pain Clinic · Suite 2 only · 3 cases" in text
    assert "Dana Whitfield" in text  # done, and still on the day's sheet
    assert "Ben Okafor" not in text


def test_patient_names_are_escaped_on_the_worklist_and_the_sheet(clinic, pages_as):
    book_case(
        clinic,
        patient=PatientFactory(first_name="<script>x()</script>", last_name="Moreno"),
        start=local(2026, 11, 18, 9, 0),
    )
    client = pages_as("nurse")

    for url in ("/station/", "/station/print/"):
        html = html_of(client.get(url))
        assert "<script>x()" not in html
        assert "&lt;script&gt;x()&lt;/script&gt; Moreno" in html


def test_each_reason_for_attention_is_its_own_line(day, pages_as):
    # The hold already missed, and now the room loses its fluoroscopy: two reasons.
    farid = Appointment.objects.get(pk=day.farid.pk)
    set_attention(farid, ROOM, "Suite 2 cannot host this: it needs a fluoroscopy suite.")
    html = html_of(station(pages_as("nurse"), "?date=2026-11-19"))
    flags = re.findall(r'<p class="flag flag-attention">(.*?)</p>', html, re.S)
    assert len(flags) == 2
    assert "Hold cannot be met" in flags[0]
    assert "Suite 2 cannot host this" in flags[1]
