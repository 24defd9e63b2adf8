"""Who is working, which room is open, and who is busy: the one definition of a free slot.

Slot search and booking both load a `Calendar` and a `BusyIndex` for their window (a few
queries, never one per candidate) and ask the same questions of them, so a slot that the
search offers is a slot that booking accepts at that moment.

Weekly hours are clinic local time; everything here is turned into aware UTC datetimes
through the clinic's zone, so the days clocks change have 23 or 25 hours as they should.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db.models import Q

from clinic.models import Room
from procedures import versioned
from procedures.models import ProcedureType
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    ClinicDay,
    ClinicHours,
    ProviderDayException,
    RoomClosure,
    WorkingHours,
)

UTC = dt.UTC
# Longer than any case plus its room turnover (the catalog and room validators cap both).
MAX_CASE_SPAN = dt.timedelta(days=1)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clinic_zone()).date()


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """The UTC instant of a clinic wall-clock time on a date."""
    return dt.datetime.combine(day, time, tzinfo=clinic_zone()).astimezone(UTC)


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which a clinic day starts and the next one starts (23-25 h apart)."""
    return at_local(day, dt.time.min), at_local(day + dt.timedelta(days=1), dt.time.min)


def days_between(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        return self.start <= start and end <= self.end


@lru_cache(maxsize=32)
def _public_holidays(country: str, subdiv: str | None, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdiv, years=year))


def room_suits(room: Room, procedure_type: ProcedureType) -> bool:
    return room.fluoroscopy or not procedure_type.requires_fluoroscopy


@dataclass(frozen=True)
class CaseSpan:
    """When a case starts and ends, and until when it keeps its room (turnover included)."""

    start: dt.datetime
    end: dt.datetime
    room_busy_until: dt.datetime


def case_span(procedure_type: ProcedureType, room: Room, start: dt.datetime) -> CaseSpan:
    # Durations are elapsed minutes: count them in UTC, whatever zone the start came in.
    start = start.astimezone(UTC)
    end = start + dt.timedelta(minutes=procedure_type.duration_minutes)
    return CaseSpan(start, end, end + dt.timedelta(minutes=room.turnover_minutes))


Spans = list[tuple[dt.time, dt.time]]


@dataclass(frozen=True)
class _CalendarRows:
    """Every row the calendar is made of: a few thousand at most (hours by weekday, a
    clinic's closed days and providers' days off over years), read in five queries once per
    process and rules version (the triggers cover these tables) instead of on every booking."""

    clinic_hours: dict[int, Spans]
    weekly: dict[int, dict[int, Spans]]
    exceptions: dict[int, list[ProviderDayException]]
    closures: dict[int, list[Interval]]
    days: dict[dt.date, ClinicDay]

    @classmethod
    def read(cls) -> _CalendarRows:
        clinic_hours: dict[int, Spans] = defaultdict(list)
        for row in ClinicHours.objects.order_by("weekday", "start_time"):
            clinic_hours[row.weekday].append((row.start_time, row.end_time))
        weekly: dict[int, dict[int, Spans]] = defaultdict(lambda: defaultdict(list))
        for hours in WorkingHours.objects.order_by("pk"):
            weekly[hours.provider_id][hours.weekday].append((hours.start_time, hours.end_time))
        exceptions: dict[int, list[ProviderDayException]] = defaultdict(list)
        for exc in ProviderDayException.objects.order_by("pk"):
            exceptions[exc.provider_id].append(exc)
        closures: dict[int, list[Interval]] = defaultdict(list)
        for closure in RoomClosure.objects.order_by("pk"):
            closures[closure.room_id].append(Interval(closure.starts_at, closure.ends_at))
        return cls(
            clinic_hours=dict(clinic_hours),
            weekly={k: dict(v) for k, v in weekly.items()},
            exceptions=dict(exceptions),
            closures=dict(closures),
            days={d.date: d for d in ClinicDay.objects.all()},
        )


@dataclass
class Calendar:
    """Opening hours, closures and working hours for a range of clinic dates."""

    first: dt.date
    last: dt.date
    clinic_hours: dict[int, list[tuple[dt.time, dt.time]]]
    day_overrides: dict[dt.date, ClinicDay]
    weekly: dict[int, dict[int, list[tuple[dt.time, dt.time]]]]
    exceptions: dict[tuple[int, dt.date], list[ProviderDayException]]
    room_closures: dict[int, list[Interval]]
    _open: dict[dt.date, list[Interval]] = field(default_factory=dict)

    @classmethod
    def load(
        cls, *, first: dt.date, last: dt.date, provider_ids: Iterable[int], room_ids: Iterable[int]
    ) -> Calendar:
        """The calendar of these providers and rooms over [first, last], from the clinic's
        hours, closures and working hours as this process keeps them (`_CalendarRows`)."""
        rows = versioned.kept("calendar", _CalendarRows.read)
        provider_ids, room_ids = set(provider_ids), set(room_ids)
        exceptions: dict[tuple[int, dt.date], list[ProviderDayException]] = defaultdict(list)
        for provider_id in provider_ids:
            for exc in rows.exceptions.get(provider_id, ()):
                if first <= exc.date <= last:
                    exceptions[(provider_id, exc.date)].append(exc)
        window_start, _ = local_day_bounds(first)
        _, window_end = local_day_bounds(last)
        closures: dict[int, list[Interval]] = defaultdict(list)
        for room_id in room_ids:
            for closure in rows.closures.get(room_id, ()):
                if closure.start < window_end and closure.end > window_start:
                    closures[room_id].append(closure)
        return cls(
            first=first,
            last=last,
            clinic_hours=rows.clinic_hours,
            day_overrides={d: row for d, row in rows.days.items() if first <= d <= last},
            weekly=defaultdict(
                lambda: defaultdict(list),
                {k: v for k, v in rows.weekly.items() if k in provider_ids},
            ),
            exceptions=exceptions,
            room_closures=closures,
        )

    def closed_because(self, day: dt.date) -> str | None:
        """Why the clinic is closed on a date, or None when it opens."""
        override = self.day_overrides.get(day)
        if override is not None:
            return (override.name or "Clinic closed") if override.closed else None
        holiday = _public_holidays(
            settings.CLINIC_HOLIDAYS_COUNTRY, settings.CLINIC_HOLIDAYS_SUBDIV, day.year
        ).get(day)
        if holiday:
            return holiday
        if not self.clinic_hours.get(day.weekday()):
            return "The clinic does not open on this weekday"
        return None

    def clinic_open(self, day: dt.date) -> list[Interval]:
        if day not in self._open:
            self._open[day] = (
                []
                if self.closed_because(day)
                else [
                    Interval(at_local(day, start), at_local(day, end))
                    for start, end in sorted(self.clinic_hours.get(day.weekday(), []))
                ]
            )
        return self._open[day]

    def provider_spans(self, provider_id: int, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """A provider's working hours on a date as clock times: the exceptions if any, else
        the week."""
        dated = self.exceptions.get((provider_id, day))
        if dated is not None:
            return sorted((e.start_time, e.end_time) for e in dated if e.start_time and e.end_time)
        return sorted(self.weekly.get(provider_id, {}).get(day.weekday(), []))

    def provider_hours(self, provider_id: int, day: dt.date) -> list[Interval]:
        """A provider's working intervals on a date, as instants."""
        return [
            Interval(at_local(day, s), at_local(day, e))
            for s, e in self.provider_spans(provider_id, day)
        ]

    def provider_works(self, provider_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        day = local_date(start)
        if self.closed_because(day):
            return False
        return any(i.covers(start, end) for i in self.provider_hours(provider_id, day))

    def room_open(self, room_id: int, start: dt.datetime, end: dt.datetime) -> bool:
        day = local_date(start)
        if not any(i.covers(start, end) for i in self.clinic_open(day)):
            return False
        return not any(c.start < end and start < c.end for c in self.room_closures.get(room_id, []))


@dataclass
class Busy:
    """One booked interval of a resource, with what it was, for a message."""

    start: dt.datetime
    end: dt.datetime
    appointment_id: int


@dataclass
class Timeline:
    """A resource's busy intervals, sorted, answering "is [start, end) free?" by bisection."""

    starts: list[dt.datetime] = field(default_factory=list)
    rows: list[Busy] = field(default_factory=list)
    # prefix_max[i]: the row among rows[:i+1] that ends last, so one look settles a query.
    prefix_max: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, rows: list[Busy]) -> Timeline:
        rows = sorted(rows, key=lambda r: (r.start, r.end))
        prefix: list[int] = []
        for index, row in enumerate(rows):
            if not prefix or row.end > rows[prefix[-1]].end:
                prefix.append(index)
            else:
                prefix.append(prefix[-1])
        return cls(starts=[r.start for r in rows], rows=rows, prefix_max=prefix)

    def overlap(self, start: dt.datetime, end: dt.datetime) -> Busy | None:
        """A booked interval that overlaps [start, end), or None when it is free."""
        before_end = bisect.bisect_left(self.starts, end)
        if before_end == 0:
            return None
        latest = self.rows[self.prefix_max[before_end - 1]]
        return latest if latest.end > start else None


@dataclass(frozen=True)
class Clash:
    resource: str  # "provider", "room" or "patient"
    busy: Busy


@dataclass
class BusyIndex:
    providers: dict[int, Timeline]
    rooms: dict[int, Timeline]
    patient: Timeline
    # Units of shared equipment (an RF generator): busy for the case itself, no turnover.
    equipment: dict[int, Timeline] = field(default_factory=dict)

    @classmethod
    def load(
        cls,
        *,
        start: dt.datetime,
        end: dt.datetime,
        provider_ids: Iterable[int],
        room_ids: Iterable[int],
        patient_id: int | None = None,
        exclude_appointment_id: int | None = None,
        equipment_ids: Iterable[int] = (),
    ) -> BusyIndex:
        """Every active appointment that touches [start, end) for these resources: one query."""
        who = Q(provider_id__in=list(provider_ids)) | Q(room_id__in=list(room_ids))
        if patient_id is not None:
            who |= Q(patient_id=patient_id)
        units = set(equipment_ids)
        if units:
            who |= Q(equipment_id__in=sorted(units))
        touching = (
            Appointment.objects.filter(who, status__in=ACTIVE_STATUSES)
            # The lower bound on `start` lets the index stop scanning: a case (with its
            # turnover) never spans more than a day, so nothing earlier can reach `start`.
            .filter(start__lt=end, start__gt=start - MAX_CASE_SPAN, room_busy_until__gt=start)
        )
        if exclude_appointment_id is not None:
            touching = touching.exclude(pk=exclude_appointment_id)
        columns = ["id", "provider_id", "room_id", "patient_id", "start", "end", "room_busy_until"]
        if units:
            columns.append("equipment_id")
        by_provider: dict[int, list[Busy]] = defaultdict(list)
        by_room: dict[int, list[Busy]] = defaultdict(list)
        by_patient: list[Busy] = []
        by_unit: dict[int, list[Busy]] = defaultdict(list)
        for row in touching.values_list(*columns):
            pk, provider_id, room_id, row_patient_id, row_start, row_end, room_until = row[:7]
            by_provider[provider_id].append(Busy(row_start, row_end, pk))
            by_room[room_id].append(Busy(row_start, room_until, pk))
            if row_patient_id == patient_id:
                by_patient.append(Busy(row_start, row_end, pk))
            if units and row[7] in units:
                by_unit[row[7]].append(Busy(row_start, row_end, pk))
        return cls(
            providers={k: Timeline.build(v) for k, v in by_provider.items()},
            rooms={k: Timeline.build(v) for k, v in by_room.items()},
            patient=Timeline.build(by_patient),
            equipment={k: Timeline.build(v) for k, v in by_unit.items()},
        )

    def unit_busy(self, unit_id: int, start: dt.datetime, end: dt.datetime) -> Busy | None:
        """A case that has the unit during [start, end), or None when it is free then."""
        timeline = self.equipment.get(unit_id)
        return timeline.overlap(start, end) if timeline is not None else None

    def free_unit(
        self, unit_ids: Iterable[int], start: dt.datetime, end: dt.datetime
    ) -> int | None:
        """The first of these units free for [start, end), or None when all are in use."""
        return next((u for u in unit_ids if self.unit_busy(u, start, end) is None), None)

    def clash(
        self,
        *,
        provider_id: int,
        room_id: int,
        start: dt.datetime,
        end: dt.datetime,
        room_busy_until: dt.datetime,
    ) -> Clash | None:
        """The first resource already busy for this case, or None when all three are free."""
        found = self.clashes(
            provider_id=provider_id,
            room_id=room_id,
            start=start,
            end=end,
            room_busy_until=room_busy_until,
        )
        return found[0] if found else None

    def clashes(
        self,
        *,
        provider_id: int,
        room_id: int,
        start: dt.datetime,
        end: dt.datetime,
        room_busy_until: dt.datetime,
    ) -> list[Clash]:
        """Every resource already busy for this case: patient, provider, room, in that order."""
        checks = (
            ("patient", self.patient, end),
            ("provider", self.providers.get(provider_id), end),
            ("room", self.rooms.get(room_id), room_busy_until),
        )
        found = []
        for resource, timeline, until in checks:
            if timeline is not None:
                busy = timeline.overlap(start, until)
                if busy is not None:
                    found.append(Clash(resource, busy))
        return found
