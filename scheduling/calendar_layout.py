"""The calendar's geometry: 5-minute rows on a time axis, and what a lane of the grid holds.

Every position is counted in elapsed time from the axis start, in whole 5-minute rows: a
block's height is its duration, also on the days the clocks change (a 25-hour day simply has
more rows, and its hour labels say 01:00 twice). `calendar_grid` fills these from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

from scheduling.availability import at_local, clinic_zone
from scheduling.models import ACTIVE_STATUSES, Appointment

STEP = dt.timedelta(minutes=5)
ROWS_PER_HOUR = 12
# The longest day on one axis (24 hours plus the hour the clocks go back): calendar.css has a
# position class for every row up to here (scripts/calendar_css.py writes them).
MAX_ROWS = 25 * ROWS_PER_HOUR
# Rows a "Book 10:30" link takes at the top of a free gap: enough for one line of text.
FREE_LINK_ROWS = 3
# Blocks that overlap in one lane (only cancelled cases shown beside live ones) are laid side
# by side; calendar.css styles up to this many.
MAX_LANES = 4

Span = tuple[dt.datetime, dt.datetime]


class By(StrEnum):
    PROVIDER = "provider"
    ROOM = "room"
    # Units of shared equipment (an RF generator): busy for each case that has them.
    EQUIPMENT = "equipment"


# --- Positions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where an item sits in a lane: its first row (1-based) and how many rows it covers."""

    row: int
    span: int

    @property
    def css(self) -> str:
        return f"row-{self.row} span-{self.span}"


@dataclass(frozen=True)
class Axis:
    """The clock times a grid covers, as minutes after local midnight: [first, last)."""

    first: int
    last: int

    def bounds(self, day: dt.date) -> Span:
        return _local_minute(day, self.first), _local_minute(day, self.last)

    def rows(self, day: dt.date) -> int:
        start, end = self.bounds(day)
        return min(MAX_ROWS, -(-(end - start) // STEP))

    def place(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> Place | None:
        """The rows [start, end) covers on this day's axis (clipped to it), or None outside it."""
        axis_start, axis_end = self.bounds(day)
        start, end = max(start, axis_start), min(end, axis_end)
        if end <= start:
            return None
        first = (start - axis_start) // STEP + 1
        last = min(self.rows(day), -(-(end - axis_start) // STEP))
        if first > last:
            return None
        return Place(first, last - first + 1)

    def hours(self, day: dt.date) -> list[HourMark]:
        """A label at each local hour on this day's axis (01:00 twice when the clocks go back)."""
        start, end = self.bounds(day)
        zone = clinic_zone()
        marks: list[HourMark] = []
        moment = start
        while moment < end:
            local = moment.astimezone(zone)
            if local.minute == 0:
                row = (moment - start) // STEP + 1
                span = min(ROWS_PER_HOUR, self.rows(day) - row + 1)
                if span > 0:
                    marks.append(HourMark(f"{local:%H:%M}", Place(row, span)))
            moment += STEP
        return marks


@dataclass(frozen=True)
class HourMark:
    label: str
    place: Place


def _local_minute(day: dt.date, minute: int) -> dt.datetime:
    """The UTC instant of a number of minutes after local midnight (1440 is the next midnight)."""
    if minute >= 24 * 60:
        return at_local(day + dt.timedelta(days=1), dt.time.min)
    return at_local(day, dt.time(minute // 60, minute % 60))


def minute_of(day: dt.date, moment: dt.datetime) -> int:
    """Minutes after local midnight of `day`, clipped to the day (0 before it, 1440 after)."""
    local = moment.astimezone(clinic_zone())
    if local.date() < day:
        return 0
    if local.date() > day:
        return 24 * 60
    return local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)


# --- Interval arithmetic ----------------------------------------------------------------------


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    result = sorted(spans)
    for hole_start, hole_end in holes:
        kept: list[Span] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                kept.append((start, end))
                continue
            if start < hole_start:
                kept.append((start, hole_start))
            if hole_end < end:
                kept.append((hole_end, end))
        result = kept
    return result


def intersect(spans: Iterable[Span], others: Sequence[Span]) -> list[Span]:
    found = []
    for start, end in spans:
        for other_start, other_end in others:
            low, high = max(start, other_start), min(end, other_end)
            if low < high:
                found.append((low, high))
    return sorted(found)


def clock(moment: dt.datetime) -> str:
    return f"{moment.astimezone(clinic_zone()):%H:%M}"


def clock_range(spans: Sequence[Span]) -> str:
    return ", ".join(f"{clock(start)}–{clock(end)}" for start, end in spans)


# --- What a lane holds ------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    kind: By
    pk: int
    name: str
    active: bool
    # A room's kind ("Fluoroscopy" or "Exam room"), a unit's kind and site; empty for providers.
    detail: str = ""
    fluoroscopy: bool = True

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.pk}"


@dataclass
class Shade:
    """Greyed time: the clinic closed, the room closed, or the provider not working."""

    kind: ClassVar[str] = "shade"
    start: dt.datetime
    end: dt.datetime
    place: Place
    label: str
    whole_day: bool = False


@dataclass
class CaseBlock:
    kind: ClassVar[str] = "case"
    appointment: Appointment
    place: Place
    # The other resource of the case: the provider in a room's lane, the room in a provider's,
    # both in a unit of equipment's.
    other: str
    # The room's turnover after the case (room lanes only, live cases only).
    turnover: Place | None = None
    turnover_until: dt.datetime | None = None
    lane: int = 0
    lanes: int = 1
    href: str = ""

    @property
    def start(self) -> dt.datetime:
        return self.appointment.start

    @property
    def css(self) -> str:
        return f"case-{self.status} {self.place.css} {self.lane_css}".rstrip()

    @property
    def turnover_css(self) -> str:
        return f"{self.turnover.css} {self.lane_css}".rstrip() if self.turnover else ""

    @property
    def turnover_label(self) -> str:
        return clock(self.turnover_until) if self.turnover_until else ""

    @property
    def code(self) -> str:
        return self.appointment.procedure_type.code

    @property
    def patient_name(self) -> str:
        return self.appointment.patient.full_name

    @property
    def extent_end(self) -> dt.datetime:
        return self.turnover_until or self.appointment.end

    @property
    def active(self) -> bool:
        return self.appointment.status in ACTIVE_STATUSES

    @property
    def status(self) -> str:
        return self.appointment.status

    @property
    def status_label(self) -> str:
        return self.appointment.get_status_display()

    @property
    def time_label(self) -> str:
        return f"{clock(self.appointment.start)}–{clock(self.appointment.end)}"

    @property
    def start_label(self) -> str:
        return clock(self.appointment.start)

    @property
    def end_label(self) -> str:
        return clock(self.appointment.end)

    @property
    def where(self) -> str:
        """Region and side in words: "Lumbar right"."""
        appointment = self.appointment
        return f"{appointment.get_region_display()} {appointment.get_side_display().lower()}"

    @property
    def lane_css(self) -> str:
        return f"split lanes-{self.lanes} lane-{self.lane}" if self.lanes > 1 else ""


@dataclass
class Turnover:
    """The room's cleaning and set-up time after a case: drawn right after its block."""

    kind: ClassVar[str] = "turnover"
    case: CaseBlock

    @property
    def start(self) -> dt.datetime:
        return self.case.appointment.end


@dataclass
class FreeGap:
    """Working, open and unbooked time long enough for the shortest procedure that fits."""

    kind: ClassVar[str] = "gap"
    start: dt.datetime
    end: dt.datetime
    # Where the "Book 10:30" link sits: the first rows of the gap.
    place: Place
    book_url: str

    @property
    def start_label(self) -> str:
        return clock(self.start)

    @property
    def end_label(self) -> str:
        return clock(self.end)


LaneItem = Shade | CaseBlock | Turnover | FreeGap


@dataclass
class Lane:
    """One resource on one day."""

    day: dt.date
    rows: Place
    closed: str | None
    # In words for a column's header: the hours the resource can be booked that day, or why not.
    summary: str
    shades: list[Shade] = field(default_factory=list)
    cases: list[CaseBlock] = field(default_factory=list)
    gaps: list[FreeGap] = field(default_factory=list)
    now: Place | None = None
    past: Place | None = None
    # The page's link to this day on its own (the week view's day headers).
    link: str = ""

    @property
    def items(self) -> list[LaneItem]:
        """Everything in time order: the order a keyboard or a screen reader goes through."""
        ordered: list[tuple[dt.datetime, int, LaneItem]] = []
        for shade in self.shades:
            ordered.append((shade.start, 0, shade))
        for gap in self.gaps:
            ordered.append((gap.start, 1, gap))
        for case in self.cases:
            ordered.append((case.start, 2, case))
            if case.turnover is not None:
                ordered.append((case.start, 3, Turnover(case)))
        ordered.sort(key=lambda entry: (entry[0], entry[1]))
        return [item for _, _, item in ordered]


@dataclass
class ResourceLanes:
    resource: Resource
    lanes: list[Lane]


@dataclass
class Grid:
    by: By
    days: list[dt.date]
    # None when there is nothing to lay out: the clinic never opens on these days, no case.
    axis: Axis | None
    hours: list[HourMark]
    rows: Place
    closed: dict[dt.date, str | None]
    resources: list[ResourceLanes]

    @property
    def closed_days(self) -> list[tuple[dt.date, str]]:
        return [(day, reason) for day, reason in self.closed.items() if reason]


def assign_lanes(blocks: list[CaseBlock]) -> None:
    """Lay overlapping blocks side by side (live ones first): an interval colouring, greedy."""
    ordered = sorted(blocks, key=lambda b: (b.start, not b.active, b.appointment.pk))
    cluster: list[CaseBlock] = []
    lane_ends: list[dt.datetime] = []
    cluster_end: dt.datetime | None = None

    def close_cluster() -> None:
        for member in cluster:
            member.lanes = min(len(lane_ends), MAX_LANES)
            member.lane = min(member.lane, MAX_LANES - 1)

    for block in ordered:
        if cluster_end is not None and block.start >= cluster_end:
            close_cluster()
            cluster, lane_ends = [], []
        for index, lane_end in enumerate(lane_ends):
            if lane_end <= block.start:
                lane_ends[index] = block.extent_end
                block.lane = index
                break
        else:
            block.lane = len(lane_ends)
            lane_ends.append(block.extent_end)
        cluster.append(block)
        cluster_end = max(cluster_end or block.extent_end, block.extent_end)
    close_cluster()
    blocks.sort(key=lambda b: (b.start, b.lane))
