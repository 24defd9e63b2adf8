"""Real Chromium: the calendar read as a scheduler reads it, by keyboard, and checked by axe-core.

Ten rooms and a full day must fit a 1366 px screen without sideways scrolling, with block text
big enough to read; screenshots go to $SCREENS_DIR/calendar-*.png when SCREENS_DIR is set.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from playwright.sync_api import Page

from clinic.models import Equipment, Provider, Room
from procedures.models import ProcedureType
from scheduling import services
from scheduling.models import Appointment, CancelCause, ProviderDayException, RoomClosure
from tests.browser import assert_accessible, screenshot, sign_in
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import local, working_week

pytest_plugins = ["tests.browser"]

# The catalog comes from data migrations; a transactional test flushes the tables afterwards,
# and serialized rollback puts the migrated rows back before each test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DAY = dt.date(2026, 11, 18)  # a Wednesday

FIRST_NAMES = [
    "Alice",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiroshi",
    "Ines",
    "Jamal",
    "Katarzyna",
    "Luis",
    "Maeve",
    "Nikolai",
    "Olufemi",
    "Priya",
]
LAST_NAMES = [
    "Moreno",
    "Okafor",
    "Lindqvist",
    "Castellanos",
    "Nguyen",
    "Abernathy",
    "Hashemi",
    "Kowalczyk",
    "Delacroix",
    "Whitfield",
    "Yamamoto",
    "Brennan",
]
# (procedure, region, side) in turn, and the start minutes after 07:00 for each room's cases.
CASES = [
    ("MBB", "lumbar", "right"),
    ("ESI_TF", "lumbar", "left"),
    ("DISCOGRAPHY", "lumbar", "bilateral"),
    ("FACET_IA", "cervical", "right"),
    ("SI_DIAG", "sacral", "left"),  # a first visit: no earlier diagnostic block is needed
    ("TPI", "thoracic", "right"),
    ("SYMPATHETIC", "lumbar", "left"),
]


def ten_room_clinic() -> tuple[list[Room], list[Provider]]:
    rooms = [RoomFactory(name=f"Suite {n}") for n in range(1, 9)]
    rooms += [RoomFactory(name=f"Exam {n}", fluoroscopy=False) for n in (1, 2)]
    surnames = [
        "Chen",
        "Ortiz",
        "Patel",
        "Novak",
        "Haddad",
        "Kim",
        "Silva",
        "Adeyemi",
        "Rossi",
        "Larsen",
    ]
    providers = [ProviderFactory(name=f"Dr. {name}") for name in surnames]
    for provider in providers:
        working_week(provider, dt.time(7), dt.time(18))
    return rooms, providers


def fill_day(rooms: list[Room], providers: list[Provider]) -> list[Appointment]:
    """A full day: each room with its own provider, cases back to back with gaps here and
    there, booked through the service as the desk would."""
    booked = []
    serial = 0
    for r, (room, provider) in enumerate(zip(rooms, providers, strict=True)):
        moment = local(2026, 11, 18, 7, 30) + dt.timedelta(minutes=15 * (r % 3))
        while True:
            code, region, side = CASES[serial % len(CASES)]
            procedure = ProcedureType.objects.get(code=code)
            if not room.fluoroscopy and procedure.requires_fluoroscopy:
                procedure, region, side = ProcedureType.objects.get(code="TPI"), "thoracic", "left"
            end = moment + dt.timedelta(minutes=procedure.duration_minutes)
            if end > local(2026, 11, 18, 17, 30):
                break
            patient = PatientFactory(
                first_name=FIRST_NAMES[serial % len(FIRST_NAMES)],
                last_name=LAST_NAMES[(serial * 7) % len(LAST_NAMES)],
            )
            booked.append(
                services.appointment_book(
                    patient=patient,
                    procedure_type=procedure,
                    region=region,
                    side=side,
                    provider=provider,
                    room=room,
                    start=moment,
                    acting_user=None,
                )
            )
            serial += 1
            # Turnover, and now and then a free half hour or hour.
            gap = 60 if serial % 5 == 0 else 30 if serial % 4 == 0 else 0
            moment = end + dt.timedelta(minutes=room.turnover_minutes + gap)
    return booked


def advance_the_morning(booked: list[Appointment]) -> None:
    """At 11:00: the early cases done, the ones under way checked in."""
    for case in booked:
        if case.end <= local(2026, 11, 18, 10, 0):
            services.appointment_check_in(
                appointment=case, acting_user=None, override_reason="Checked by phone"
            )
            services.appointment_complete(appointment=case, acting_user=None)
        elif case.start <= local(2026, 11, 18, 11, 0):
            services.appointment_check_in(
                appointment=case, acting_user=None, override_reason="Checked by phone"
            )


@pytest.fixture
def busy_day(make_staff):
    """Ten rooms and ten providers with a full Wednesday, seen at 11:00 that day."""
    with time_machine.travel(local(2026, 11, 16, 9, 0), tick=False):
        rooms, providers = ten_room_clinic()
        booked = fill_day(rooms, providers)
        ProviderDayException.objects.create(
            provider=providers[9],
            date=DAY,
            start_time=dt.time(7),
            end_time=dt.time(13),
            reason="Teaching",
        )
        RoomClosure.objects.create(
            room=rooms[7],
            starts_at=local(2026, 11, 18, 15, 0),
            ends_at=local(2026, 11, 18, 18, 0),
            reason="C-arm service",
        )
        cancelled = [c for c in booked if c.room_id == rooms[7].pk and c.start.hour >= 15]
        for case in cancelled:
            services.appointment_cancel(
                appointment=case,
                reason="Room closed for service",
                cause=CancelCause.ROOM_OR_EQUIPMENT,
                acting_user=None,
            )
    with time_machine.travel(local(2026, 11, 18, 11, 0), tick=False):
        advance_the_morning([c for c in booked if c not in cancelled])
    make_staff("scheduler", "sam.scheduler")
    # The page is read at 11:05 that day: the clock runs, for the server thread too.
    with time_machine.travel(local(2026, 11, 18, 11, 5), tick=True):
        yield rooms, providers, booked


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 1366 px"


def test_ten_rooms_over_a_full_day_fit_1366_px_and_read_clearly(live_server, page, busy_day):
    rooms, _, booked = busy_day
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=room")

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Calendar: Wednesday 18 November 2026, by room"
    )
    columns = page.locator(".cal-day > .cal-column")
    assert columns.count() == 10
    no_sideways_scroll(page)
    # Every column at least 110 px wide, every case's text at least 12 px.
    widths = columns.evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
    assert min(widths) >= 110, widths
    sizes = page.locator(".cal-case").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert len(sizes) == len([c for c in booked if c.room_id != rooms[7].pk or c.start.hour < 15])
    assert min(sizes) >= 12
    # A half-hour case is 60 px tall: its time, patient, region and side and status all show.
    first = booked[0]
    block = page.locator(f'a.cal-case[href="/appointments/{first.pk}/"]')
    box = block.bounding_box()
    assert box is not None and 58 <= box["height"] <= 62
    assert block.locator(".cal-status").inner_text() == "Completed"
    assert page.get_by_text("Room closed: C-arm service").is_visible()
    screenshot(page, "calendar-day-by-room")
    # The morning of the first five rooms at full size, as the eye meets it on the screen.
    screenshot(
        page, "calendar-day-by-room-detail", clip={"x": 0, "y": 220, "width": 700, "height": 560}
    )
    assert_accessible(page)


def test_the_day_by_provider_shows_hours_and_is_accessible(live_server, page, busy_day):
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=provider")

    assert page.locator(".cal-day > .cal-column").count() == 10
    header = page.get_by_role("heading", name="Dr. Larsen")
    assert header.inner_text().split("\n") == ["Dr. Larsen", "07:00–13:00"]
    no_sideways_scroll(page)
    screenshot(page, "calendar-day-by-provider")
    assert_accessible(page)


def test_the_week_by_room_is_accessible_and_fits_the_screen(live_server, page, busy_day):
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=week&by=room")

    assert page.locator(".cal-resource").count() == 10
    assert page.locator(".cal-resource").first.locator(".cal-column").count() == 5
    no_sideways_scroll(page)
    # The first rooms of the week, as a tall screen shows them (the page runs on below).
    page.set_viewport_size({"width": 1366, "height": 1600})
    screenshot(page, "calendar-week-by-room", full_page=False)
    suite = page.locator(".cal-resource").nth(2)  # Suite 1: cases of 15 to 60 minutes
    suite.scroll_into_view_if_needed()
    screenshot(suite, "calendar-week-by-room-detail")
    assert_accessible(page)


def test_a_keyboard_user_tabs_to_a_case_and_opens_it_with_enter(live_server, page, busy_day):
    _, _, booked = busy_day
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=room")
    first = booked[0]  # Suite 1's first case, the first case block on the page

    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('href')")
        if focused == f"/appointments/{first.pk}/":
            break
    else:
        pytest.fail("Tab never reached the first case")
    assert "cal-case" in page.evaluate("() => document.activeElement.className")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/appointments/{first.pk}/")

    assert urlsplit(page.url).path == f"/appointments/{first.pk}/"


def test_a_free_gap_link_goes_to_booking_at_that_time(live_server, page, busy_day):
    rooms, _, _ = busy_day
    sign_in(page, live_server.url, "sam.scheduler")
    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=room")
    column = page.get_by_role("region", name=rooms[7].name)

    column.get_by_role("link", name="Book").first.click()
    page.wait_for_load_state()

    # The first free time in Suite 8 at 11:05: the next quarter hour, after the case's turnover.
    url = urlsplit(page.url)
    assert url.path == "/book/"
    assert parse_qs(url.query) == {
        "start": ["2026-11-18T11:15-05:00"],
        "room": [str(rooms[7].pk)],
    }


def test_a_cancelled_case_shown_on_request_sits_beside_the_case_booked_in_its_place(
    live_server, page, make_staff
):
    make_staff("scheduler", "sam.scheduler")
    with time_machine.travel(local(2026, 11, 16, 9, 0), tick=False):
        rooms, providers = ten_room_clinic()
        first = services.appointment_book(
            patient=PatientFactory(first_name="Alice", last_name="Moreno"),
            procedure_type=ProcedureType.objects.get(code="MBB"),
            region="lumbar",
            side="right",
            provider=providers[0],
            room=rooms[2],
            start=local(2026, 11, 18, 9, 0),
            acting_user=None,
        )
        services.appointment_cancel(
            appointment=first, reason="Ill", cause=CancelCause.PATIENT_ILL, acting_user=None
        )
        second = services.appointment_book(
            patient=PatientFactory(first_name="Bruno", last_name="Okafor"),
            procedure_type=ProcedureType.objects.get(code="SYMPATHETIC"),
            region="lumbar",
            side="left",
            provider=providers[1],
            room=rooms[2],
            start=local(2026, 11, 18, 9, 0),
            acting_user=None,
        )
    with time_machine.travel(local(2026, 11, 17, 9, 0), tick=True):
        sign_in(page, live_server.url, "sam.scheduler")
        page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=room")
        page.get_by_role("link", name="Show cancelled and no-show cases").click()
        page.wait_for_load_state()

        live = page.locator(f'a.cal-case[href="/appointments/{second.pk}/"]').bounding_box()
        gone = page.locator(f'a.cal-case[href="/appointments/{first.pk}/"]').bounding_box()
        assert live is not None and gone is not None
        assert live["x"] + live["width"] <= gone["x"], "the two blocks must not overlap"
        assert "cancelled=1" in page.url
        screenshot(
            page, "calendar-cancelled-shown", clip={"x": 0, "y": 220, "width": 700, "height": 420}
        )
        assert_accessible(page)


def test_the_day_by_equipment_has_a_column_per_unit_and_is_accessible(live_server, page, busy_day):
    sign_in(page, live_server.url, "sam.scheduler")

    page.goto(f"{live_server.url}/calendar/?date=2026-11-18&view=day&by=equipment")

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Calendar: Wednesday 18 November 2026, by equipment"
    )
    units = Equipment.objects.filter(active=True).count()
    assert units >= 1
    assert page.locator(".cal-day > .cal-column").count() == units
    # A unit's free time books nothing by itself: no "book from this time" in its legend.
    assert page.get_by_text("Free: book from this time").count() == 0
    no_sideways_scroll(page)
    screenshot(page, "calendar-day-by-equipment")
    assert_accessible(page)
