"""Slot search: the earliest times at which a case fits a provider, a room and the patient.

It reads the window once (a `Calendar` and a `BusyIndex`, a handful of queries whatever
the window's size) and then walks a 15-minute grid in memory, asking each candidate the
same questions booking asks. With a patient, the rules drop the days on which booking
would refuse them, and on a day whose early starts come too soon (an hour-long hold, contrast
premedication: hours counted from now) they give the first start booking would accept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from clinic.models import Equipment, Patient, Provider, Room
from clinic.selectors import providers_active, rooms_active
from procedures.models import ProcedureType
from scheduling.availability import (
    BusyIndex,
    Calendar,
    at_local,
    clinic_zone,
    days_between,
    local_date,
    local_day_bounds,
    room_suits,
)
from scheduling.eligibility import PatientRules
from scheduling.equipment import none_at_site, units_at
from scheduling.errors import RoomUnsuitable
from scheduling.horizon import horizon_end

DateFilter = Callable[[dt.date], bool]
# The first start the rules allow on a day (its first moment: all of it), None: none.
DayStart = Callable[[dt.date], dt.datetime | None]


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    provider: Provider
    room: Room
    # The unit of shared equipment booking would take now (None: the procedure needs none).
    equipment: Equipment | None = None


@dataclass(frozen=True)
class SlotQuery:
    procedure_type: ProcedureType
    after: dt.datetime
    limit: int = 10
    days: int = 30
    patient: Patient | None = None
    region: str | None = None
    side: str | None = None
    provider: Provider | None = None
    room: Room | None = None
    levels: tuple[str, ...] = ()
    # The case being moved: it neither counts against itself in the rules nor keeps its own
    # time busy, as in the reschedule service.
    exclude_appointment_id: int | None = None


def grid() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SLOT_GRID_MINUTES)


def ceil_to_grid(moment: dt.datetime) -> dt.datetime:
    """The first grid point at or after a moment. Grid points are whole multiples of the step
    since the epoch: clinic zones' offsets are multiples of 15 minutes, so these are also
    :00, :15, :30 and :45 on the clinic's clock, on every day including DST changes."""
    step = int(grid().total_seconds())
    seconds = int(moment.timestamp())
    if moment.microsecond:
        seconds += 1
    return dt.datetime.fromtimestamp(-(-seconds // step) * step, tz=dt.UTC)


def candidate_rooms(procedure_type: ProcedureType, room: Room | None) -> list[Room]:
    if room is not None:
        if not room.active or not room_suits(room, procedure_type):
            raise RoomUnsuitable(f"{room.name} cannot host {procedure_type.name}.")
        if missing := none_at_site(procedure_type, room):
            raise RoomUnsuitable(missing)
        return [room]
    rooms = [r for r in rooms_active() if room_suits(r, procedure_type)]
    # A case that needs no fluoroscopy goes to an exam room first, keeping the suites free.
    return sorted(rooms, key=lambda r: (r.fluoroscopy, r.name, r.pk))


def units_by_site(
    procedure_type: ProcedureType, rooms: Sequence[Room]
) -> dict[int, list[Equipment]]:
    """The units of the equipment the procedure needs at each of these rooms' sites, from
    what the process keeps ({} when it needs none)."""
    kind_id = procedure_type.equipment_kind_id
    if kind_id is None:
        return {}
    return {site_id: units_at(kind_id, site_id) for site_id in {r.site_id for r in rooms}}


def find_slots(
    query: SlotQuery,
    *,
    date_allowed: DateFilter | None = None,
    rules: PatientRules | None = None,
) -> list[Slot]:
    """The first `query.limit` free slots. `rules`: the patient's, when the caller has already
    read them (loaded with the same `exclude_appointment_id`) to show the decision."""
    procedure = query.procedure_type
    duration = dt.timedelta(minutes=procedure.duration_minutes)
    begin = ceil_to_grid(max(query.after, timezone.now()))
    providers: Sequence[Provider] = [query.provider] if query.provider else list(providers_active())
    providers = [p for p in providers if p.active]
    rooms = candidate_rooms(procedure, query.room)
    units = units_by_site(procedure, rooms)
    if procedure.equipment_kind_id is not None:
        # A room whose site has no unit of the kind cannot host the case (booking refuses it).
        rooms = [r for r in rooms if units[r.site_id]]
    if not providers or not rooms:
        return []
    day_start: DayStart | None = None
    if query.patient is not None and query.region and query.side:
        # Only times booking would accept for this patient: start where the rules first
        # allow the case, skip any later date a rule forbids, and on a day allowed from a
        # time (hours counted from now) offer only the starts from that time.
        if rules is None:
            rules = PatientRules.load(query.patient, query.exclude_appointment_id)
        patient_rules, region, side = rules, query.region, query.side
        first_decision = rules.decide(procedure, region, side, local_date(begin), query.levels)
        if not first_decision.allowed:
            if first_decision.eligible_from is None:
                return []
            earliest = first_decision.eligible_at or at_local(
                first_decision.eligible_from, dt.time.min
            )
            begin = max(begin, earliest)

        def allowed_start(day: dt.date) -> dt.datetime | None:
            return patient_rules.first_start_on(procedure, region, side, day, query.levels)

        day_start = allowed_start

    # The window runs from the first date the rules allow, not from the request.
    # Wall-clock arithmetic in the clinic's zone: "30 days" ends at the same local time.
    window_end = (begin.astimezone(clinic_zone()) + dt.timedelta(days=query.days)).astimezone(
        dt.UTC
    )
    # Never past the booking horizon: booking would refuse what lies beyond it.
    window_end = min(window_end, horizon_end())
    if window_end <= begin:
        return []

    first, last = local_date(begin), local_date(window_end)
    calendar = Calendar.load(
        first=first,
        last=last,
        provider_ids=[p.pk for p in providers],
        room_ids=[r.pk for r in rooms],
    )
    longest_turnover = dt.timedelta(minutes=max(r.turnover_minutes for r in rooms))
    search = _DaySearch(
        query=query,
        calendar=calendar,
        providers=providers,
        rooms=rooms,
        window_end=window_end,
        duration=duration,
        units=units,
    )
    # The first start each searched day allows (the rules read only for open days).
    starts_from: dict[dt.date, dt.datetime] = {}
    for day in days_between(first, last):
        if not calendar.clinic_open(day) or (date_allowed is not None and not date_allowed(day)):
            continue
        allowed_from = day_start(day) if day_start is not None else begin
        if allowed_from is not None:
            starts_from[day] = max(begin, allowed_from)
    days = list(starts_from)
    found: list[Slot] = []
    # Read busy intervals a chunk of days at a time, doubling: the next free slot is usually
    # near, so most searches read a day or two, and a full month costs a handful of queries.
    chunk = 1
    while days and len(found) < query.limit:
        batch, days = days[:chunk], days[chunk:]
        chunk *= 2
        batch_start, _ = local_day_bounds(batch[0])
        _, batch_end = local_day_bounds(batch[-1])
        busy = BusyIndex.load(
            start=max(begin, batch_start),
            end=min(window_end, batch_end) + duration + longest_turnover,
            provider_ids=[p.pk for p in providers],
            room_ids=[r.pk for r in rooms],
            patient_id=query.patient.pk if query.patient else None,
            exclude_appointment_id=query.exclude_appointment_id,
            equipment_ids=[unit.pk for site_units in units.values() for unit in site_units],
        )
        for day in batch:
            found.extend(search.day(day, busy, query.limit - len(found), starts_from[day]))
            if len(found) >= query.limit:
                break
    return found


@dataclass
class _DaySearch:
    query: SlotQuery
    calendar: Calendar
    providers: Sequence[Provider]
    rooms: Sequence[Room]
    window_end: dt.datetime
    duration: dt.timedelta
    # Per site, the units the procedure may take ({}: it needs none).
    units: dict[int, list[Equipment]]

    def day(
        self, day: dt.date, busy: BusyIndex, wanted: int, not_before: dt.datetime
    ) -> list[Slot]:
        """Up to `wanted` slots on one date, earliest first, one per start and provider, none
        starting before `not_before`."""
        hours = {p.pk: self.calendar.provider_hours(p.pk, day) for p in self.providers}
        starts: set[dt.datetime] = set()
        step = grid()
        for intervals in hours.values():
            for interval in intervals:
                moment = ceil_to_grid(max(interval.start, not_before))
                while moment + self.duration <= interval.end and moment < self.window_end:
                    starts.add(moment)
                    moment += step
        found: list[Slot] = []
        for start in sorted(starts):
            end = start + self.duration
            for provider in self.providers:
                if not any(i.covers(start, end) for i in hours[provider.pk]):
                    continue
                place = self._free_room(busy, provider, start, end)
                if place is not None:
                    found.append(Slot(start, end, provider, *place))
                    if len(found) >= wanted:
                        return found
        return found

    def _free_room(
        self, busy: BusyIndex, provider: Provider, start: dt.datetime, end: dt.datetime
    ) -> tuple[Room, Equipment | None] | None:
        """The first room free for the case (with a unit of its equipment free at the room's
        site), or None."""
        for room in self.rooms:
            if not self.calendar.room_open(room.pk, start, end):
                continue
            clash = busy.clash(
                provider_id=provider.pk,
                room_id=room.pk,
                start=start,
                end=end,
                room_busy_until=end + dt.timedelta(minutes=room.turnover_minutes),
            )
            if clash is None:
                if not self.units:
                    return room, None
                site_units = self.units[room.site_id]
                free = busy.free_unit([unit.pk for unit in site_units], start, end)
                if free is not None:
                    return room, next(unit for unit in site_units if unit.pk == free)
                continue  # a room at another site may have a unit free
            if clash.resource != "room":
                return None  # another room will not free the provider or the patient
        return None
