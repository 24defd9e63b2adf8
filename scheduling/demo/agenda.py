"""Where the demo's cases go: a slot search over the demo's own plan, held in memory.

Hundreds of cases are placed before any is written, so the plan keeps its own record of who
is busy when, per day: a provider for the case, a room for the case and its turnover, a
patient for the case, a unit of shared equipment (an RF generator) for the case. It
answers with the same notion of free as `scheduling.availability` (the calendar's hours,
the rooms that suit the procedure, a free unit at the room's site), so the services accept every
upcoming case and the database's overlap constraints accept every past one. Cases already
in the database (a clinic seeded before) are loaded first and never overlapped.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

from clinic.models import Equipment, Provider, Room
from procedures.models import ProcedureType
from scheduling.availability import at_local, local_date, room_suits
from scheduling.demo.days import ClinicDays
from scheduling.models import ACTIVE_STATUSES, Appointment

GRID = dt.timedelta(minutes=15)
Span = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Placement:
    start: dt.datetime
    end: dt.datetime
    room_busy_until: dt.datetime
    provider: Provider
    room: Room
    # The unit the case takes (the first free one by name, as booking picks), or None.
    equipment: Equipment | None = None


def _overlaps(spans: list[Span], start: dt.datetime, end: dt.datetime) -> bool:
    return any(s < end and start < e for s, e in spans)


class Agenda:
    def __init__(
        self,
        days: ClinicDays,
        providers: tuple[Provider, ...],
        rooms: tuple[Room, ...],
        *,
        equipment: tuple[Equipment, ...] = (),
        blocked: Span | None = None,
    ) -> None:
        self.days = days
        self.providers = providers
        self.rooms = rooms
        self.equipment = sorted((u for u in equipment if u.active), key=lambda u: (u.name, u.pk))
        # No case may start in this span: the minutes around now, between the cases written
        # as past and those booked through the services (which refuse a start in the past).
        self.blocked = blocked
        self._busy: dict[tuple[str, int, dt.date], list[Span]] = defaultdict(list)
        self._minutes: dict[tuple[int, dt.date], float] = defaultdict(float)
        self.count: dict[dt.date, int] = defaultdict(int)

    def preload(self, first: dt.date, last: dt.date) -> None:
        """Mark the active appointments already in the database as busy."""
        rows = Appointment.objects.filter(
            status__in=ACTIVE_STATUSES,
            start__gte=at_local(first, dt.time.min),
            start__lt=at_local(last + dt.timedelta(days=1), dt.time.min),
        ).values_list(
            "provider_id",
            "room_id",
            "patient_id",
            "start",
            "end",
            "room_busy_until",
            "equipment_id",
        )
        for provider_id, room_id, patient_id, start, end, room_until, unit_id in rows:
            day = local_date(start)
            self._busy[("provider", provider_id, day)].append((start, end))
            self._busy[("room", room_id, day)].append((start, room_until))
            self._busy[("patient", patient_id, day)].append((start, end))
            if unit_id is not None:
                self._busy[("unit", unit_id, day)].append((start, end))
            self.count[day] += 1

    def patient_busy_on(self, patient_id: int, day: dt.date) -> bool:
        return bool(self._busy.get(("patient", patient_id, day)))

    def _rooms_for(self, procedure: ProcedureType) -> list[Room]:
        rooms = [r for r in self.rooms if r.active and room_suits(r, procedure)]
        # Like slot search: an exam room first for a case that needs no fluoroscopy.
        return sorted(rooms, key=lambda r: (r.fluoroscopy, r.name))

    def find(
        self,
        *,
        patient_id: int,
        procedure: ProcedureType,
        day: dt.date,
        rng: random.Random,
        pack: bool,
        after: dt.time | None = None,
    ) -> Placement | None:
        """A free place for the case that day: the earliest one when packing the day full,
        else one at random, so that a quiet day is spread over the hours, not all at 08:00."""
        duration = dt.timedelta(minutes=procedure.duration_minutes)
        hours = {p.pk: self.days.provider_hours(p.pk, day) for p in self.providers}
        earliest = at_local(day, after) if after else None
        starts = sorted(
            {
                interval.start + GRID * step
                for intervals in hours.values()
                for interval in intervals
                for step in range(int((interval.end - interval.start) / GRID))
                if interval.start + GRID * step + duration <= interval.end
            }
        )
        if not pack:
            rng.shuffle(starts)
        rooms = self._rooms_for(procedure)
        patient = self._busy[("patient", patient_id, day)]
        for start in starts:
            end = start + duration
            if earliest and start < earliest:
                continue
            if self.blocked and self.blocked[0] <= start < self.blocked[1]:
                continue
            if _overlaps(patient, start, end):
                continue
            # The least busy provider first, so both share the day.
            for provider in sorted(self.providers, key=lambda p: self._minutes[(p.pk, day)]):
                if not any(i.covers(start, end) for i in hours[provider.pk]):
                    continue
                if _overlaps(self._busy[("provider", provider.pk, day)], start, end):
                    continue
                for room in rooms:
                    until = end + dt.timedelta(minutes=room.turnover_minutes)
                    if not self.days.calendar.room_open(room.pk, start, end):
                        continue
                    if _overlaps(self._busy[("room", room.pk, day)], start, until):
                        continue
                    if procedure.equipment_kind_id is None:
                        return Placement(start, end, until, provider, room)
                    unit = self._free_unit(procedure.equipment_kind_id, room, start, end)
                    if unit is not None:
                        return Placement(start, end, until, provider, room, unit)
        return None

    def _free_unit(
        self, kind_id: int, room: Room, start: dt.datetime, end: dt.datetime
    ) -> Equipment | None:
        day = local_date(start)
        return next(
            (
                unit
                for unit in self.equipment
                if unit.kind_id == kind_id
                and unit.site_id == room.site_id
                and not _overlaps(self._busy[("unit", unit.pk, day)], start, end)
            ),
            None,
        )

    def take(self, placement: Placement, patient_id: int) -> None:
        day = local_date(placement.start)
        self._busy[("provider", placement.provider.pk, day)].append(
            (placement.start, placement.end)
        )
        self._busy[("room", placement.room.pk, day)].append(
            (placement.start, placement.room_busy_until)
        )
        self._busy[("patient", patient_id, day)].append((placement.start, placement.end))
        if placement.equipment is not None:
            self._busy[("unit", placement.equipment.pk, day)].append(
                (placement.start, placement.end)
            )
        self._minutes[(placement.provider.pk, day)] += (
            placement.end - placement.start
        ).total_seconds() / 60
        self.count[day] += 1
