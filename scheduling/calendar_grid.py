"""The calendar's read side: a day or a week of lanes, one per provider, room or unit of
shared equipment.

It asks the same `Calendar` that slot search and booking ask (clinic hours, closed days and
public holidays, working hours and days off) and reads the window's cases in one query with
everything a block shows, so the page costs the same few queries however many cases it holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from clinic.models import Equipment, Provider, Room
from clinic.selectors import providers_active, rooms_active
from procedures.models import ProcedureType
from scheduling.availability import MAX_CASE_SPAN, Calendar, clinic_zone, local_day_bounds
from scheduling.calendar_layout import (
    FREE_LINK_ROWS,
    STEP,
    Axis,
    By,
    CaseBlock,
    FreeGap,
    Grid,
    Lane,
    Place,
    Resource,
    ResourceLanes,
    Shade,
    Span,
    assign_lanes,
    clock_range,
    intersect,
    minute_of,
    subtract,
)
from scheduling.models import ACTIVE_STATUSES, Appointment, RoomClosure
from scheduling.selectors import kept_equipment
from scheduling.slots import ceil_to_grid

__all__ = ["By", "Grid", "build_grid", "calendar_cases"]

# What a block needs of a case: a few columns, not the patient's whole row (a page may show
# hundreds of cases, and every column read is converted).
CASE_FIELDS = (
    "start",
    "end",
    "room_busy_until",
    "status",
    "region",
    "side",
    "patient",
    "procedure_type",
    "provider",
    "room",
    "equipment",
)


def calendar_cases(
    start: dt.datetime, end: dt.datetime, *, include_inactive: bool
) -> QuerySet[Appointment]:
    """Every case touching [start, end), with what a block shows: one query for the window."""
    cases = Appointment.objects.select_related(
        "patient", "procedure_type", "provider", "room", "equipment"
    ).only(
        *CASE_FIELDS,
        "patient__first_name",
        "patient__last_name",
        "procedure_type__code",
        "provider__name",
        "provider__active",
        "room__name",
        "room__active",
        "room__fluoroscopy",
        "equipment__name",
        "equipment__active",
    )
    # The lower bound on `start` lets the index stop scanning (no case spans a whole day).
    cases = cases.filter(start__lt=end, start__gt=start - MAX_CASE_SPAN, room_busy_until__gt=start)
    if not include_inactive:
        cases = cases.filter(status__in=ACTIVE_STATUSES)
    return cases.order_by("start", "id")


def _resources(by: By, cases: Sequence[Appointment]) -> list[Resource]:
    """The active providers, rooms or units, then any inactive one that still has a case here."""
    found: dict[int, Resource] = {}
    if by is By.EQUIPMENT:
        units = kept_equipment()
        for unit in units.values():
            if unit.active:
                found[unit.pk] = _unit_resource(unit)
        for case in cases:
            if case.equipment_id is not None and case.equipment_id not in found:
                found[case.equipment_id] = _unit_resource(units[case.equipment_id])
    elif by is By.ROOM:
        for room in rooms_active():
            found[room.pk] = _room_resource(room)
        for case in cases:
            if case.room_id not in found:
                found[case.room_id] = _room_resource(case.room)
    else:
        for provider in providers_active():
            found[provider.pk] = _provider_resource(provider)
        for case in cases:
            if case.provider_id not in found:
                found[case.provider_id] = _provider_resource(case.provider)
    return list(found.values())


def _room_resource(room: Room) -> Resource:
    kind = "Fluoroscopy" if room.fluoroscopy else "Exam room"
    return Resource(By.ROOM, room.pk, room.name, room.active, kind, room.fluoroscopy)


def _unit_resource(unit: Equipment) -> Resource:
    # Kept units come with their kind and site.
    detail = f"{unit.kind.name}, {unit.site.name}"
    return Resource(By.EQUIPMENT, unit.pk, unit.name, unit.active, detail, fluoroscopy=False)


def _resource_id(by: By, case: Appointment) -> int | None:
    if by is By.ROOM:
        return case.room_id
    return case.provider_id if by is By.PROVIDER else case.equipment_id


def _provider_resource(provider: Provider) -> Resource:
    return Resource(By.PROVIDER, provider.pk, provider.name, provider.active)


def _shortest_procedures() -> tuple[int | None, int | None]:
    """Minutes of the shortest active procedure, and of the shortest needing no fluoroscopy."""
    shortest: int | None = None
    without_fluoroscopy: int | None = None
    for minutes, fluoroscopy in ProcedureType.objects.filter(active=True).values_list(
        "duration_minutes", "requires_fluoroscopy"
    ):
        shortest = minutes if shortest is None else min(shortest, minutes)
        if not fluoroscopy:
            without_fluoroscopy = (
                minutes if without_fluoroscopy is None else min(without_fluoroscopy, minutes)
            )
    return shortest, without_fluoroscopy


@dataclass
class _Window:
    """What every lane of one grid reads from: loaded once, then asked in memory."""

    calendar: Calendar
    closures: dict[int, list[tuple[Span, str]]]
    # The cases of each lane: (provider or room id, clinic date).
    cases: dict[tuple[int, dt.date], list[Appointment]]
    now: dt.datetime
    book_links: bool
    shortest: int | None
    shortest_exam: int | None
    case_url: Callable[[int], str]
    book_url: str


def build_grid(
    *,
    first: dt.date,
    last: dt.date,
    by: By,
    now: dt.datetime,
    include_inactive: bool = False,
    book_links: bool = True,
    skip_closed_weekends: bool = False,
) -> Grid:
    """A day (first == last) or a week of lanes for every provider or every room.

    `book_links` adds the free gaps with their booking links (for those who may book);
    `skip_closed_weekends` leaves out a Saturday or Sunday with no hours and no case.
    """
    window_start, _ = local_day_bounds(first)
    _, window_end = local_day_bounds(last)
    cases = list(calendar_cases(window_start, window_end, include_inactive=include_inactive))
    resources = _resources(by, cases)
    ids = [r.pk for r in resources if r.active]
    calendar = Calendar.load(
        first=first,
        last=last,
        provider_ids=ids if by is By.PROVIDER else [],
        # Room closures are read below with their reasons, for the label.
        room_ids=[],
    )
    closures: dict[int, list[tuple[Span, str]]] = defaultdict(list)
    if by is By.ROOM and ids:
        for closure in RoomClosure.objects.filter(
            room_id__in=ids, starts_at__lt=window_end, ends_at__gt=window_start
        ):
            label = f"Room closed: {closure.reason}" if closure.reason else "Room closed"
            closures[closure.room_id].append(((closure.starts_at, closure.ends_at), label))
    by_lane: dict[tuple[int, dt.date], list[Appointment]] = defaultdict(list)
    # Local minutes each case covers on each date it touches: the axis widens to them.
    case_minutes: dict[dt.date, list[int]] = defaultdict(list)
    for case in cases:
        resource_id = _resource_id(by, case)
        if resource_id is None:
            continue  # by equipment: a case that needs none has no lane
        for day, minutes in _days_of(case, first, last):
            by_lane[(resource_id, day)].append(case)
            case_minutes[day] += minutes
    shortest, shortest_exam = _shortest_procedures() if book_links else (None, None)
    window = _Window(
        calendar=calendar,
        closures=closures,
        cases=by_lane,
        now=now,
        book_links=book_links,
        shortest=shortest,
        shortest_exam=shortest_exam,
        case_url=_case_url(),
        book_url=reverse("book"),
    )

    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if skip_closed_weekends:
        days = [
            day
            for day in days
            if day.weekday() < 5 or calendar.clinic_hours.get(day.weekday()) or day in case_minutes
        ]
    axis = _axis(days, calendar, case_minutes)
    closed = {day: calendar.closed_because(day) for day in days}
    if axis is None:
        return Grid(by, days, None, [], Place(1, 1), closed, [])
    rows = max(axis.rows(day) for day in days)
    # Hour labels follow the first day; they differ from another day's only across a clock
    # change inside the axis, which clinic hours never span.
    return Grid(
        by=by,
        days=days,
        axis=axis,
        hours=axis.hours(days[0]),
        rows=Place(1, rows),
        closed=closed,
        resources=[
            ResourceLanes(resource, [_lane(window, axis, resource, day) for day in days])
            for resource in resources
        ],
    )


def _case_url() -> Callable[[int], str]:
    """The case page's URL for an id: reversed once per page rather than once per block."""
    marker = "987654321"
    pattern = reverse("appointment", args=[int(marker)])
    return lambda pk: pattern.replace(marker, str(pk))


def _days_of(case: Appointment, first: dt.date, last: dt.date) -> list[tuple[dt.date, list[int]]]:
    """The dates of [first, last] a case (with its turnover) touches, and the local minutes it
    covers on each: almost always one date; two for a case running past midnight."""
    zone = clinic_zone()
    start = case.start.astimezone(zone)
    end = case.room_busy_until.astimezone(zone)
    found = []
    day = max(start.date(), first)
    last_day = min((end - dt.timedelta(microseconds=1)).date(), last)
    while day <= last_day:
        found.append((day, [minute_of(day, start), minute_of(day, end)]))
        day += dt.timedelta(days=1)
    return found


def _axis(
    days: Sequence[dt.date], calendar: Calendar, case_minutes: dict[dt.date, list[int]]
) -> Axis | None:
    """The clinic's opening hours on these days (a closed day keeps its weekday's usual hours,
    so a holiday is shown as a greyed day), widened to every case, in whole hours."""
    minutes: list[int] = []
    for day in days:
        for start, end in calendar.clinic_hours.get(day.weekday(), []):
            minutes += [start.hour * 60 + start.minute, end.hour * 60 + end.minute]
        minutes += case_minutes.get(day, [])
    if not minutes:
        return None
    first = min(minutes) // 60 * 60
    last = min(24 * 60, -(-max(minutes) // 60) * 60)
    return Axis(first, max(last, first + 60))


def _lane(window: _Window, axis: Axis, resource: Resource, day: dt.date) -> Lane:
    axis_start, axis_end = axis.bounds(day)
    rows = Place(1, axis.rows(day))
    calendar = window.calendar
    closed = calendar.closed_because(day)
    whole = [(axis_start, axis_end)]
    opening = [(i.start, i.end) for i in calendar.clinic_open(day)]
    shades: list[tuple[Span, str]] = []
    available: list[Span] = []
    summary = ""
    if not resource.active:
        shades.append(((axis_start, axis_end), "No longer in use"))
        summary = "No longer in use"
    elif closed:
        shades.append(((axis_start, axis_end), f"Clinic closed: {closed}"))
        summary = "Clinic closed"
    else:
        shades += [(span, "Clinic closed") for span in subtract(whole, opening)]
        if resource.kind is By.EQUIPMENT:
            # A unit moves between rooms: it is there whenever the clinic is open.
            available = opening
            summary = clock_range(available) if available else "Clinic closed"
        elif resource.kind is By.ROOM:
            room_closures = window.closures.get(resource.pk, [])
            for span, label in room_closures:
                shades += [(part, label) for part in intersect([span], opening)]
            available = subtract(opening, [span for span, _ in room_closures])
            summary = clock_range(available) if available else "Room closed"
        else:
            hours = [(i.start, i.end) for i in calendar.provider_hours(resource.pk, day)]
            available = intersect(opening, hours)
            off_label = _off_label(calendar, resource.pk, day)
            shades += [(span, off_label) for span in subtract(opening, available)]
            summary = clock_range(available) if available else off_label

    lane = Lane(day=day, rows=rows, closed=closed, summary=summary)
    for (start, end), label in sorted(shades, key=lambda entry: entry[0]):
        place = axis.place(day, start, end)
        if place is not None:
            lane.shades.append(
                Shade(start, end, place, label, whole_day=(start, end) == (axis_start, axis_end))
            )

    busy: list[Span] = []
    for case in window.cases.get((resource.pk, day), []):
        place = axis.place(day, case.start, case.end)
        if place is None:
            continue
        other = {
            By.ROOM: case.provider.name,
            By.PROVIDER: case.room.name,
            By.EQUIPMENT: f"{case.room.name}, {case.provider.name}",
        }[resource.kind]
        block = CaseBlock(case, place, other, href=window.case_url(case.pk))
        if case.status in ACTIVE_STATUSES:
            if resource.kind is By.ROOM:
                busy.append((case.start, case.room_busy_until))
                if case.room_busy_until > case.end:
                    block.turnover = axis.place(day, case.end, case.room_busy_until)
                    block.turnover_until = case.room_busy_until
            else:
                # A provider (or a unit) is free when the case ends: the turnover is the
                # room's, and the provider may start in another room meanwhile.
                busy.append((case.start, case.end))
        lane.cases.append(block)
    assign_lanes(lane.cases)

    # No booking link in a unit's lane: booking starts from a provider or a room, and takes
    # a free unit itself.
    if window.book_links and available and resource.kind is not By.EQUIPMENT:
        lane.gaps = _free_gaps(window, axis, resource, day, subtract(available, busy))
    if axis_start <= window.now < axis_end:
        lane.now = Place((window.now - axis_start) // STEP + 1, 1)
    # Time gone by is faintly tinted, so a week reads at a glance from where "now" is.
    lane.past = axis.place(day, axis_start, min(window.now, axis_end))
    return lane


def _off_label(calendar: Calendar, provider_id: int, day: dt.date) -> str:
    dated = calendar.exceptions.get((provider_id, day))
    if dated is None:
        return "Not working"
    reasons = ", ".join(sorted({e.reason for e in dated if e.reason}))
    if not any(e.start_time for e in dated):
        return f"Day off: {reasons}" if reasons else "Day off"
    return f"Not working: {reasons}" if reasons else "Not working"


def _free_gaps(
    window: _Window, axis: Axis, resource: Resource, day: dt.date, free: list[Span]
) -> list[FreeGap]:
    """Free time a booking could use, each with a link to book from its start."""
    shortest = (
        window.shortest
        if resource.kind is By.PROVIDER or resource.fluoroscopy
        else window.shortest_exam
    )
    if shortest is None:
        return []
    # A gap is bookable from the next slot-grid time that has not passed.
    earliest = ceil_to_grid(window.now)
    gaps: list[FreeGap] = []
    for start, end in free:
        start = max(start, earliest)
        if end - start < dt.timedelta(minutes=shortest):
            continue
        place = axis.place(day, start, min(end, start + FREE_LINK_ROWS * STEP))
        if place is None:
            continue
        query = {
            "start": start.astimezone(clinic_zone()).isoformat(timespec="minutes"),
            resource.kind.value: str(resource.pk),
        }
        gaps.append(FreeGap(start, end, place, f"{window.book_url}?{urlencode(query)}"))
    return gaps
