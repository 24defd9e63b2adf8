"""The calendar page: who sees it, what its blocks and links say, navigation, and query counts."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Patient
from procedures.models import ProcedureType
from scheduling import services
from scheduling.models import (
    Appointment,
    CancelCause,
    ClinicHours,
    ProviderDayException,
    Status,
    Weekday,
    WorkingHours,
)
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import SmallClinic, book_case, local

# A Wednesday morning before the first case; the clinic opens 07:00-19:00 on weekdays.
NOW = local(2026, 11, 18, 6, 30)
DAY = dt.date(2026, 11, 18)

pytestmark = pytest.mark.clock_at(NOW)


def book(clinic: SmallClinic, hour: int, minute: int = 0, **place: Any) -> Appointment:
    """A case on DAY at this time (book_case's defaults otherwise)."""
    return book_case(clinic, start=local(2026, 11, 18, hour, minute), **place)


class _Links(HTMLParser):
    """The page's links: (href, text, class), and whether any tag carries a style attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.styled: list[str] = []
        self._open: list[list[str]] = []
        self._attrs: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = {name: value or "" for name, value in attrs}
        if "style" in found or any(name.startswith("on") for name in found):
            self.styled.append(tag)
        if tag == "a":
            self._open.append([])
            self._attrs.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            text = " ".join("".join(self._open.pop()).split())
            attrs = self._attrs.pop()
            self.links.append((attrs.get("href", ""), text, attrs.get("class", "")))

    def handle_data(self, data: str) -> None:
        for parts in self._open:
            parts.append(data)


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def links(html: str, css_class: str) -> list[tuple[str, str]]:
    return [(href, text) for href, text, cls in parse(html).links if css_class in cls.split()]


def calendar(client, **query: str):
    return client.get("/calendar/", query)


# --- Who sees it ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["scheduler", "nurse", "manager"])
def test_every_role_sees_the_days_cases_as_blocks_linking_to_the_case(pages_as, clinic, role):
    patient = PatientFactory(first_name="Alice", last_name="Moreno")
    case = book(clinic, 9, patient=patient, side="left")

    response = calendar(pages_as(role))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Calendar: Wednesday 18 November 2026, by room" in html
    (block,) = links(html, "cal-case")
    assert block[0] == f"/appointments/{case.pk}/"
    assert block[1] == "09:00–09:30 MBB Alice Moreno Lumbar left Scheduled Dr. Chen"
    assert parse(html).styled == [], "the CSP allows no style attribute and no handler"


def test_the_page_asks_anonymous_visitors_to_sign_in(client, db):
    response = calendar(client)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/calendar/")


def test_a_signed_in_user_without_a_clinic_role_gets_the_403_page(pages_as, db):
    response = calendar(pages_as(None))

    assert response.status_code == 403


def test_the_calendar_only_reads_so_it_answers_a_post_with_405(pages_as, db):
    assert pages_as("scheduler").post("/calendar/").status_code == 405


@pytest.mark.parametrize("role", ["scheduler", "manager"])
def test_those_who_book_get_a_link_from_each_free_gap_to_booking_there(pages_as, clinic, role):
    book(clinic, 9)

    html = calendar(pages_as(role)).content.decode()

    suite1 = [
        (href, text)
        for href, text in links(html, "cal-free")
        if parse_qs(urlsplit(href).query).get("room") == [str(clinic.suite1.pk)]
    ]
    assert [text for _, text in suite1] == [
        "Book 07:00 in Suite 1, free until 09:00",
        "Book 09:45 in Suite 1, free until 19:00",
    ]
    url = urlsplit(suite1[1][0])
    assert url.path == "/book/"
    assert parse_qs(url.query) == {
        "start": ["2026-11-18T09:45-05:00"],
        "room": [str(clinic.suite1.pk)],
    }


def test_a_nurse_sees_the_grid_without_booking_links(pages_as, clinic):
    book(clinic, 9)

    html = calendar(pages_as("nurse")).content.decode()

    assert links(html, "cal-free") == []
    assert len(links(html, "cal-case")) == 1
    assert "Free: book from this time" not in html


def test_by_provider_the_columns_are_the_providers_with_their_hours_and_days_off(pages_as, clinic):
    ProviderDayException.objects.create(provider=clinic.ortiz, date=DAY, reason="Conference")
    book(clinic, 10)

    html = calendar(pages_as("scheduler"), by="provider").content.decode()

    headers = re.findall(r'<h2 class="cal-head" id="col-provider-\d+">(.*?)</h2>', html, re.S)
    assert [" ".join(re.sub("<[^>]+>", " ", h).split()) for h in headers] == [
        "Dr. Chen 08:00–17:00",
        "Dr. Ortiz Day off: Conference",
    ]
    hrefs = [href for href, _ in links(html, "cal-free")]
    assert hrefs and all(f"provider={clinic.chen.pk}" in href for href in hrefs)
    assert "Suite 1" in links(html, "cal-case")[0][1]


def test_a_public_holiday_is_shown_closed_with_its_name(pages_as, clinic):
    html = calendar(pages_as("scheduler"), date="2026-11-26").content.decode()

    assert "Closed on Thursday 26 November: Thanksgiving Day." in html
    assert "Clinic closed: Thanksgiving Day" in html
    assert links(html, "cal-free") == []


def test_a_day_with_no_hours_and_no_case_says_so(pages_as, clinic):
    html = calendar(pages_as("scheduler"), date="2026-11-22").content.decode()

    assert "The clinic has no opening hours on this day and no case is booked." in html
    assert "cal-grid" not in html


# --- Cancelled cases --------------------------------------------------------------------------


def test_cancelled_and_no_show_cases_are_hidden_until_the_toggle_shows_them(pages_as, clinic):
    cancelled = book(clinic, 9)
    services.appointment_cancel(
        appointment=cancelled, reason="Ill", cause=CancelCause.PATIENT_ILL, acting_user=None
    )
    live = book(clinic, 11)
    client = pages_as("scheduler")

    default = calendar(client).content.decode()
    shown = calendar(client, cancelled="1").content.decode()

    assert [href for href, _ in links(default, "cal-case")] == [f"/appointments/{live.pk}/"]
    assert [href for href, _ in links(shown, "cal-case")] == [
        f"/appointments/{cancelled.pk}/",
        f"/appointments/{live.pk}/",
    ]
    assert links(shown, "cal-case")[0][1].endswith(" Lumbar right Cancelled Dr. Chen")
    toggle = dict((text, href) for href, text, _ in parse(default).links)
    assert toggle["Show cancelled and no-show cases"].endswith("&cancelled=1")
    assert dict((t, h) for h, t, _ in parse(shown).links)["Hide cancelled and no-show cases"] == (
        "/calendar/?date=2026-11-18&view=day&by=room"
    )


# --- Navigation -------------------------------------------------------------------------------


def test_the_day_view_links_to_the_previous_and_next_day_today_and_the_other_views(
    pages_as, clinic
):
    html = calendar(pages_as("scheduler"), date="2026-11-20", by="provider").content.decode()
    by_text = {text: href for href, text, _ in parse(html).links}

    assert by_text["‹ Previous day"] == "/calendar/?date=2026-11-19&view=day&by=provider"
    assert by_text["Next day ›"] == "/calendar/?date=2026-11-21&view=day&by=provider"
    assert by_text["Today"] == "/calendar/?date=2026-11-18&view=day&by=provider"
    assert by_text["Week"] == "/calendar/?date=2026-11-20&view=week&by=provider"
    assert by_text["By room"] == "/calendar/?date=2026-11-20&view=day&by=room"
    assert 'value="2026-11-20"' in html  # the date picker shows the day
    assert re.search(r'<a href="[^"]*view=day[^"]*" aria-current="page">Day</a>', html)


def test_the_week_view_steps_a_week_and_shows_monday_to_friday(pages_as, clinic):
    book(clinic, 9)

    html = calendar(pages_as("scheduler"), date="2026-11-18", view="week").content.decode()
    by_text = {text: href for href, text, _ in parse(html).links}

    assert "Calendar: Week of 16–22 November 2026, by room" in html
    assert by_text["‹ Previous week"] == "/calendar/?date=2026-11-11&view=week&by=room"
    assert by_text["Next week ›"] == "/calendar/?date=2026-11-25&view=week&by=room"
    assert by_text["This week"] == "/calendar/?date=2026-11-18&view=week&by=room"
    days = re.findall(r'<a class="cal-head-name" href="([^"]+)">([^<]+)</a>', html)
    # Three rooms, each with a column for Monday to Friday, each linking to its day.
    assert [text for _, text in days[:5]] == [
        "Mon 16 Nov",
        "Tue 17 Nov",
        "Wed 18 Nov",
        "Thu 19 Nov",
        "Fri 20 Nov",
    ]
    assert len(days) == 15
    assert unescape(days[0][0]) == "/calendar/?date=2026-11-16&view=day&by=room"
    assert len(links(html, "cal-case")) == 1


def test_a_wrong_date_in_the_address_is_explained_and_today_is_shown(pages_as, clinic):
    response = calendar(pages_as("scheduler"), date="18/11/2026", view="month", by="desk")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid date." in html
    assert 'aria-invalid="true"' in html
    assert "Calendar: Wednesday 18 November 2026, by room" in html


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_a_date_at_the_ends_of_time_is_refused_in_words_not_with_an_error_page(
    pages_as, clinic, date
):
    response = calendar(pages_as("scheduler"), date=date, view="week")

    assert response.status_code == 200
    assert "Choose a date between 1900 and 2200." in response.content.decode()


# --- Query counts -----------------------------------------------------------------------------


def bulk_day(
    day: dt.date, rooms: list, providers: list, per_room: int, patients: list[Patient]
) -> None:
    """Cases every 30 minutes from 07:00 in each room (20 minutes, 10 of turnover), written
    directly: the page reads rows, and the booking service would take minutes for thousands."""
    mbb = ProcedureType.objects.get(code="MBB")
    rows = []
    for r, (room, provider) in enumerate(zip(rooms, providers, strict=True)):
        for n in range(per_room):
            start = local(day.year, day.month, day.day, 7) + dt.timedelta(minutes=30 * n)
            rows.append(
                Appointment(
                    patient=patients[(r * per_room + n) % len(patients)],
                    procedure_type=mbb,
                    region="lumbar",
                    side="right",
                    provider=provider,
                    room=room,
                    start=start,
                    end=start + dt.timedelta(minutes=20),
                    room_busy_until=start + dt.timedelta(minutes=30),
                    status=Status.COMPLETED if n % 3 == 0 else Status.SCHEDULED,
                )
            )
    Appointment.objects.bulk_create(rows)


@pytest.fixture
def ten_rooms(db: None):
    rooms = [RoomFactory(name=f"Suite {n:02d}") for n in range(1, 11)]
    providers = [ProviderFactory(name=f"Dr. Team {n:02d}") for n in range(1, 11)]
    for provider in providers:
        for weekday in range(5):
            WorkingHours.objects.create(
                provider=provider, weekday=weekday, start_time=dt.time(7), end_time=dt.time(19)
            )
    # A patient is in one case at a time: one patient per half hour of the day.
    patients = [PatientFactory() for _ in range(20 * 10)]
    return rooms, providers, patients


def count_queries(client, **query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = calendar(client, **query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "query",
    [
        {"view": "day", "by": "room"},
        {"view": "day", "by": "provider"},
        {"view": "week", "by": "room"},
        {"view": "week", "by": "provider", "cancelled": "1"},
    ],
)
def test_the_query_count_is_the_same_for_ten_and_two_hundred_cases_that_day(
    pages_as, ten_rooms, django_assert_max_num_queries, query
):
    rooms, providers, patients = ten_rooms
    client = pages_as("scheduler")
    bulk_day(DAY, rooms, providers, 1, patients)  # ten cases
    calendar(client, date=DAY.isoformat(), **query)  # builds what the process keeps
    with django_assert_max_num_queries(12):
        ten = calendar(client, date=DAY.isoformat(), **query)
    assert ten.status_code == 200
    assert len(links(ten.content.decode(), "cal-case")) == 10
    few = count_queries(client, date=DAY.isoformat(), **query)

    Appointment.objects.all().delete()
    bulk_day(DAY, rooms, providers, 20, patients)  # two hundred cases
    with django_assert_max_num_queries(few):
        many = calendar(client, date=DAY.isoformat(), **query)

    assert len(links(many.content.decode(), "cal-case")) == 200
    assert count_queries(client, date=DAY.isoformat(), **query) == few


def test_cases_on_other_days_neither_show_nor_add_queries(
    pages_as, ten_rooms, django_assert_max_num_queries
):
    rooms, providers, patients = ten_rooms
    client = pages_as("scheduler")
    bulk_day(DAY, rooms, providers, 2, patients)
    alone = count_queries(client, date=DAY.isoformat())

    for offset in (-7, -1, 1, 7, 30):
        bulk_day(DAY + dt.timedelta(days=offset), rooms, providers, 20, patients)
    assert Appointment.objects.count() == 20 + 5 * 200

    with django_assert_max_num_queries(alone):
        response = calendar(client, date=DAY.isoformat())
    assert len(links(response.content.decode(), "cal-case")) == 20


def test_a_saturday_with_hours_joins_the_week(pages_as, clinic):
    ClinicHours.objects.create(
        weekday=Weekday.SATURDAY, start_time=dt.time(8), end_time=dt.time(12)
    )

    html = calendar(pages_as("scheduler"), view="week").content.decode()

    days = re.findall(r'<a class="cal-head-name" href="[^"]+">([^<]+)</a>', html)
    assert days[:6] == [
        "Mon 16 Nov",
        "Tue 17 Nov",
        "Wed 18 Nov",
        "Thu 19 Nov",
        "Fri 20 Nov",
        "Sat 21 Nov",
    ]
