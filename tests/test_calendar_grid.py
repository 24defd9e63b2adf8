"""The calendar's grid: rows, turnover, greyed time, closed days, clock changes, free gaps."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from scheduling import services
from scheduling.calendar_grid import By, Grid, build_grid
from scheduling.calendar_layout import MAX_ROWS, CaseBlock, FreeGap, Lane, Place
from scheduling.models import (
    CancelCause,
    ClinicHours,
    ProviderDayException,
    RoomClosure,
    Weekday,
    WorkingHours,
)
from tests.scheduling_helpers import book_case, local, make_small_clinic, zone

# A Wednesday before the clinic opens (07:00-19:00 on weekdays, from the seeded hours).
DAY = dt.date(2026, 11, 18)
NOW = local(2026, 11, 18, 6, 30)

pytestmark = pytest.mark.clock_at(NOW)


def day_grid(by: By, day: dt.date = DAY, now: dt.datetime = NOW, **options) -> Grid:
    return build_grid(first=day, last=day, by=by, now=now, **options)


def lane_of(grid: Grid, pk: int) -> Lane:
    (lane,) = next(row.lanes for row in grid.resources if row.resource.pk == pk)
    return lane


def _hm(moment: dt.datetime) -> str:
    return f"{moment.astimezone(zone()):%H:%M}"


def shades(lane: Lane) -> list[tuple[str, str, str]]:
    return [(_hm(shade.start), _hm(shade.end), shade.label) for shade in lane.shades]


def gaps(lane: Lane) -> list[tuple[str, str]]:
    return [(_hm(gap.start), _hm(gap.end)) for gap in lane.gaps]


# --- Blocks and turnover ----------------------------------------------------------------------


def test_a_half_hour_case_fills_six_rows_and_the_rooms_turnover_shades_it_to_0945(clinic):
    case = book_case(clinic, start=local(2026, 11, 18, 9, 0))

    grid = day_grid(By.ROOM)

    assert grid.axis is not None and (grid.axis.first, grid.axis.last) == (7 * 60, 19 * 60)
    assert grid.rows == Place(1, 144)
    (block,) = lane_of(grid, clinic.suite1.pk).cases
    # 09:00 is two hours (24 rows) after 07:00; 30 minutes are 6 rows of 5 minutes.
    assert block.appointment.pk == case.pk
    assert block.place == Place(25, 6)
    assert block.place.css == "row-25 span-6"
    assert block.turnover == Place(31, 3)
    assert _hm(block.turnover_until) == "09:45"
    assert (block.time_label, block.where, block.status_label) == (
        "09:00–09:30",
        "Lumbar right",
        "Scheduled",
    )
    assert block.other == "Dr. Chen"


def test_free_gaps_in_a_room_start_where_the_turnover_ends_and_link_to_booking_there(clinic):
    book_case(clinic, start=local(2026, 11, 18, 9, 0))

    lane = lane_of(day_grid(By.ROOM), clinic.suite1.pk)

    assert gaps(lane) == [("07:00", "09:00"), ("09:45", "19:00")]
    after = lane.gaps[1]
    assert after.place == Place(34, 3)  # the link takes the gap's first 15 minutes
    url = urlsplit(after.book_url)
    assert url.path == "/book/"
    assert parse_qs(url.query) == {
        "start": ["2026-11-18T09:45-05:00"],
        "room": [str(clinic.suite1.pk)],
    }


def test_a_providers_gaps_start_when_the_case_ends_since_the_turnover_is_the_rooms(clinic):
    book_case(clinic, start=local(2026, 11, 18, 9, 0))

    lane = lane_of(day_grid(By.PROVIDER), clinic.chen.pk)

    (block,) = lane.cases
    assert block.turnover is None and block.other == "Suite 1"
    assert gaps(lane) == [("08:00", "09:00"), ("09:30", "17:00")]
    assert parse_qs(urlsplit(lane.gaps[1].book_url).query) == {
        "start": ["2026-11-18T09:30-05:00"],
        "provider": [str(clinic.chen.pk)],
    }


def test_a_gap_shorter_than_the_shortest_procedure_gets_no_link(clinic):
    book_case(clinic, start=local(2026, 11, 18, 9, 0))  # the room is busy until 09:45
    book_case(clinic, start=local(2026, 11, 18, 9, 55), provider=clinic.ortiz)  # ten minutes later

    lane = lane_of(day_grid(By.ROOM), clinic.suite1.pk)

    assert ("09:45", "09:55") not in gaps(lane)
    assert gaps(lane) == [("07:00", "09:00"), ("10:40", "19:00")]


def test_gaps_never_offer_a_time_that_has_passed(clinic):
    lane = lane_of(day_grid(By.ROOM, now=local(2026, 11, 18, 10, 7)), clinic.suite1.pk)

    # The next slot-grid time after 10:07 is 10:15; the morning is gone.
    assert gaps(lane) == [("10:15", "19:00")]
    assert lane.now == Place(38, 1)  # 10:07 is in the row 10:05-10:10
    assert lane.past == Place(1, 38)  # tinted from the opening to now


def test_without_book_links_no_gap_is_computed(clinic):
    lane = lane_of(day_grid(By.ROOM, book_links=False), clinic.suite1.pk)

    assert lane.gaps == []


# --- Greyed time ------------------------------------------------------------------------------


def test_a_providers_day_off_greys_the_whole_opening_and_offers_nothing(clinic):
    ProviderDayException.objects.create(provider=clinic.chen, date=DAY, reason="Conference")

    grid = day_grid(By.PROVIDER)
    chen, ortiz = lane_of(grid, clinic.chen.pk), lane_of(grid, clinic.ortiz.pk)

    assert shades(chen) == [("07:00", "19:00", "Day off: Conference")]
    assert chen.summary == "Day off: Conference"
    assert chen.gaps == []
    # A regular day: greyed before 08:00 and after 17:00, the time between free.
    assert shades(ortiz) == [("07:00", "08:00", "Not working"), ("17:00", "19:00", "Not working")]
    assert ortiz.summary == "08:00–17:00"
    assert [s.place for s in ortiz.shades] == [Place(1, 12), Place(121, 24)]


def test_other_hours_that_day_grey_the_rest_of_the_providers_day(clinic):
    ProviderDayException.objects.create(
        provider=clinic.chen, date=DAY, start_time=dt.time(8), end_time=dt.time(12)
    )

    chen = lane_of(day_grid(By.PROVIDER), clinic.chen.pk)

    assert shades(chen) == [("07:00", "08:00", "Not working"), ("12:00", "19:00", "Not working")]
    assert gaps(chen) == [("08:00", "12:00")]


def test_a_room_closure_greys_its_span_and_splits_the_free_time(clinic):
    RoomClosure.objects.create(
        room=clinic.suite2,
        starts_at=local(2026, 11, 18, 13, 0),
        ends_at=local(2026, 11, 18, 15, 0),
        reason="C-arm service",
    )

    grid = day_grid(By.ROOM)
    suite2 = lane_of(grid, clinic.suite2.pk)

    assert shades(suite2) == [("13:00", "15:00", "Room closed: C-arm service")]
    assert suite2.shades[0].place == Place(73, 24)
    assert gaps(suite2) == [("07:00", "13:00"), ("15:00", "19:00")]
    assert lane_of(grid, clinic.suite1.pk).shades == []


def test_a_closure_running_for_days_greys_only_the_opening_hours_of_this_one(clinic):
    RoomClosure.objects.create(
        room=clinic.suite2,
        starts_at=local(2026, 11, 16, 0, 0),
        ends_at=local(2026, 11, 21, 0, 0),
    )

    suite2 = lane_of(day_grid(By.ROOM), clinic.suite2.pk)

    assert shades(suite2) == [("07:00", "19:00", "Room closed")]
    assert suite2.gaps == []


def test_a_public_holiday_shows_the_day_closed_with_its_name(clinic):
    thanksgiving = dt.date(2026, 11, 26)

    grid = day_grid(By.ROOM, day=thanksgiving)

    assert grid.closed == {thanksgiving: "Thanksgiving Day"}
    assert grid.closed_days == [(thanksgiving, "Thanksgiving Day")]
    lane = lane_of(grid, clinic.suite1.pk)
    (shade,) = lane.shades
    assert shade.label == "Clinic closed: Thanksgiving Day"
    assert shade.whole_day and shade.place == Place(1, 144)
    assert lane.gaps == []


def test_a_lunch_break_in_the_clinics_hours_is_greyed_in_every_room(clinic):
    ClinicHours.objects.filter(weekday=Weekday.WEDNESDAY).delete()
    ClinicHours.objects.create(
        weekday=Weekday.WEDNESDAY, start_time=dt.time(7), end_time=dt.time(12)
    )
    ClinicHours.objects.create(
        weekday=Weekday.WEDNESDAY, start_time=dt.time(13), end_time=dt.time(19)
    )

    lane = lane_of(day_grid(By.ROOM), clinic.exam.pk)

    assert shades(lane) == [("12:00", "13:00", "Clinic closed")]
    assert gaps(lane) == [("07:00", "12:00"), ("13:00", "19:00")]


def test_a_sunday_with_no_hours_and_no_case_has_nothing_to_lay_out(clinic):
    sunday = dt.date(2026, 11, 22)

    grid = day_grid(By.ROOM, day=sunday)

    assert grid.axis is None and grid.resources == []
    assert grid.closed == {sunday: "The clinic does not open on this weekday"}


def test_the_axis_widens_to_the_hour_around_a_case_outside_the_opening_hours(clinic):
    ClinicHours.objects.filter(weekday=Weekday.WEDNESDAY).update(
        start_time=dt.time(8, 30), end_time=dt.time(16)
    )
    WorkingHours.objects.filter(provider=clinic.chen).update(
        start_time=dt.time(7), end_time=dt.time(19)
    )
    # Booked while the clinic still opened at 07:00, running past the new closing time.
    ClinicHours.objects.filter(weekday=Weekday.WEDNESDAY).update(
        start_time=dt.time(7), end_time=dt.time(19)
    )
    case = book_case(clinic, start=local(2026, 11, 18, 17, 30), code="DISCOGRAPHY")
    ClinicHours.objects.filter(weekday=Weekday.WEDNESDAY).update(
        start_time=dt.time(8, 30), end_time=dt.time(16)
    )

    grid = day_grid(By.ROOM)

    # 08:00 (08:30 rounded down) to 19:00 (the case and its turnover end at 18:45).
    assert grid.axis is not None and (grid.axis.first, grid.axis.last) == (8 * 60, 19 * 60)
    lane = lane_of(grid, clinic.suite1.pk)
    (block,) = lane.cases
    assert block.appointment.pk == case.pk and block.place == Place(115, 12)
    assert shades(lane) == [
        ("08:00", "08:30", "Clinic closed"),
        ("16:00", "19:00", "Clinic closed"),
    ]


# --- Clock changes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours", "labels"),
    [
        # Clocks go back at 02:00: 01:00-02:00 happens twice, the night has 7 hours.
        (dt.date(2026, 11, 1), 7, ["00:00", "01:00", "01:00", "02:00", "03:00", "04:00", "05:00"]),
        # Clocks go forward at 02:00: there is no 02:00, the night has 5 hours.
        (dt.date(2026, 3, 8), 5, ["00:00", "01:00", "03:00", "04:00", "05:00"]),
    ],
)
def test_on_a_clock_change_rows_count_elapsed_time_and_an_hour_lasts_twelve_rows(
    db, day, hours, labels
):
    with time_machine.travel(local(2026, 2, 2, 9, 0), tick=False):
        clinic = make_small_clinic()
        ClinicHours.objects.create(
            weekday=Weekday.SUNDAY, start_time=dt.time(0), end_time=dt.time(6)
        )
        WorkingHours.objects.create(
            provider=clinic.chen, weekday=Weekday.SUNDAY, start_time=dt.time(0), end_time=dt.time(6)
        )
        # 01:30 (the first one, on the night the clocks go back) for an hour.
        case = book_case(
            clinic, start=local(day.year, day.month, day.day, 1, 30), code="DISCOGRAPHY"
        )

        grid = day_grid(By.ROOM, day=day, now=local(2026, 2, 2, 9, 0))

    assert grid.rows == Place(1, hours * 12)
    assert [mark.label for mark in grid.hours] == labels
    (block,) = lane_of(grid, clinic.suite1.pk).cases
    assert block.appointment.pk == case.pk
    assert block.place == Place(19, 12)  # 90 minutes after midnight; an hour of rows
    assert case.end - case.start == dt.timedelta(hours=1)


# --- Cancelled cases, retired resources -------------------------------------------------------


def test_cancelled_cases_are_hidden_unless_asked_for_and_then_sit_beside_the_new_booking(clinic):
    first = book_case(clinic, start=local(2026, 11, 18, 9, 0))
    services.appointment_cancel(
        appointment=first, reason="Asked to", cause=CancelCause.PATIENT_REQUEST, acting_user=None
    )
    second = book_case(clinic, start=local(2026, 11, 18, 9, 0))

    hidden = lane_of(day_grid(By.ROOM), clinic.suite1.pk)
    shown = lane_of(day_grid(By.ROOM, include_inactive=True), clinic.suite1.pk)

    assert [b.appointment.pk for b in hidden.cases] == [second.pk]
    assert [(b.appointment.pk, b.lane, b.lanes) for b in shown.cases] == [
        (second.pk, 0, 2),
        (first.pk, 1, 2),
    ]
    live, cancelled = shown.cases
    assert live.lane_css == "split lanes-2 lane-0"
    assert cancelled.status_label == "Cancelled" and cancelled.turnover is None
    # A cancelled case frees its room: the gaps are the same whether it is shown or not.
    assert gaps(shown) == gaps(hidden) == [("07:00", "09:00"), ("09:45", "19:00")]


def test_a_room_taken_out_of_use_keeps_a_greyed_column_while_it_still_has_a_case(clinic):
    case = book_case(clinic, start=local(2026, 11, 18, 9, 0), room=clinic.suite2)
    clinic.suite2.active = False
    clinic.suite2.save(update_fields=["active"])

    grid = day_grid(By.ROOM)

    assert [row.resource.name for row in grid.resources] == ["Exam 1", "Suite 1", "Suite 2"]
    lane = lane_of(grid, clinic.suite2.pk)
    assert [b.appointment.pk for b in lane.cases] == [case.pk]
    assert shades(lane) == [("07:00", "19:00", "No longer in use")]
    assert lane.gaps == []


def test_the_items_of_a_lane_come_in_time_order_with_each_turnover_after_its_case(clinic):
    book_case(clinic, start=local(2026, 11, 18, 9, 0))
    book_case(clinic, start=local(2026, 11, 18, 11, 0))

    lane = lane_of(day_grid(By.ROOM), clinic.suite1.pk)

    kinds = [item.kind for item in lane.items]
    assert kinds == ["gap", "case", "turnover", "gap", "case", "turnover", "gap"]
    assert isinstance(lane.items[0], FreeGap) and isinstance(lane.items[1], CaseBlock)


# --- A week -----------------------------------------------------------------------------------


def test_a_week_leaves_out_a_closed_weekend_but_keeps_a_saturday_with_hours(clinic):
    monday, sunday = dt.date(2026, 11, 16), dt.date(2026, 11, 22)

    plain = build_grid(first=monday, last=sunday, by=By.ROOM, now=NOW, skip_closed_weekends=True)
    ClinicHours.objects.create(
        weekday=Weekday.SATURDAY, start_time=dt.time(8), end_time=dt.time(12)
    )
    with_saturday = build_grid(
        first=monday, last=sunday, by=By.ROOM, now=NOW, skip_closed_weekends=True
    )

    assert plain.days == [monday + dt.timedelta(days=n) for n in range(5)]
    assert with_saturday.days[-1] == dt.date(2026, 11, 21)
    assert all(len(row.lanes) == 6 for row in with_saturday.resources)
    saturday = with_saturday.resources[0].lanes[-1]
    # The axis is the week's (07:00-19:00): Saturday is greyed outside its own hours.
    assert [(s.label, s.place) for s in saturday.shades] == [
        ("Clinic closed", Place(1, 12)),
        ("Clinic closed", Place(61, 84)),
    ]


# --- The stylesheet ---------------------------------------------------------------------------


def test_the_stylesheet_has_a_position_class_for_every_row_a_day_can_have():
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("calendar_css", root / "scripts/calendar_css.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    assert script.MAX_ROWS == MAX_ROWS
    css = script.CSS.read_text(encoding="utf-8")
    assert script.with_generated(css) == css, "run scripts/calendar_css.py"
    assert f".row-{MAX_ROWS}{{grid-row-start:{MAX_ROWS}}}" in css
    assert f".span-{MAX_ROWS}{{grid-row-end:span {MAX_ROWS}}}" in css
