"""Why not this time? Every reason a case cannot be booked at a chosen moment, in words.

Booking (`services.booking.check_place` and `eligibility.require_eligible`) stops at the
first refusal; a scheduler asking "why not 10:30?" wants all of them at once. This asks the
same questions of the same objects (`Calendar`, `BusyIndex`, `room_suits`, `PatientRules`)
and keeps going, so a time it finds nothing against is a time booking accepts, and the
other way round (tests/test_explain.py checks both directions over a busy day).

Reasons fall in three groups: those that hold whoever does the case and wherever (the time,
the clinic, the patient, the rules), those of each provider asked about, and those of each
room. The time can be booked when there is no reason of the first kind and at least one
provider and one room have none of their own: no reason depends on a provider and a room
together, which is also how the slot search pairs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Patient, Provider, Room
from procedures.models import ProcedureType
from scheduling.availability import (
    BusyIndex,
    Calendar,
    Clash,
    Interval,
    case_span,
    local_date,
    room_suits,
)
from scheduling.eligibility import PatientRules
from scheduling.equipment import all_in_use, none_at_site, units_at
from scheduling.horizon import beyond_horizon_sentence
from scheduling.models import Appointment, RoomClosure

PAST = "start_in_past"
BEYOND_HORIZON = "beyond_horizon"
CLINIC_CLOSED = "clinic_closed"
OUTSIDE_CLINIC_HOURS = "outside_clinic_hours"
PATIENT_BUSY = "patient_busy"
PROVIDER_INACTIVE = "provider_inactive"
PROVIDER_NOT_WORKING = "provider_not_working"
PROVIDER_BUSY = "provider_busy"
ROOM_INACTIVE = "room_inactive"
ROOM_UNSUITABLE = "room_unsuitable"
ROOM_CLOSED = "room_closed"
ROOM_BUSY = "room_busy"
ROOM_TURNOVER = "room_turnover"
EQUIPMENT_NONE = "equipment_none"
EQUIPMENT_BUSY = "equipment_busy"


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    # A rule's violation: the date from which it stops blocking, None when waiting won't cure it.
    rule: bool = False
    eligible_from: dt.date | None = None
    # For hours counted from now (an hour hold, premedication): the first start that works.
    eligible_at: dt.datetime | None = None


@dataclass(frozen=True)
class ProviderVerdict:
    provider: Provider
    reasons: tuple[Reason, ...]

    @property
    def free(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class RoomVerdict:
    room: Room
    reasons: tuple[Reason, ...]

    @property
    def free(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Explanation:
    procedure_type: ProcedureType
    start: dt.datetime
    end: dt.datetime
    common: tuple[Reason, ...]
    providers: tuple[ProviderVerdict, ...]
    rooms: tuple[RoomVerdict, ...]
    # When the rules allow the case at all (the requested date if they allow it then).
    rules_allow_from: dt.date | None

    @property
    def day(self) -> dt.date:
        return local_date(self.start)

    @property
    def free_provider(self) -> Provider | None:
        return next((v.provider for v in self.providers if v.free), None)

    @property
    def free_room(self) -> Room | None:
        return next((v.room for v in self.rooms if v.free), None)

    @property
    def allowed(self) -> bool:
        return not self.common and self.free_provider is not None and self.free_room is not None

    @property
    def reasons(self) -> list[Reason]:
        """Every reason, common ones first: the whole answer for one provider and one room."""
        found = list(self.common)
        for provider in self.providers:
            found.extend(provider.reasons)
        for room in self.rooms:
            found.extend(room.reasons)
        return found

    @property
    def rule_reasons(self) -> list[Reason]:
        return [r for r in self.common if r.rule]


def _hm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _day(day: dt.date) -> str:
    return f"{day:%a %d %b %Y}"


def _span(start: dt.datetime, end: dt.datetime) -> str:
    if local_date(start) == local_date(end):
        return f"{_hm(start)}-{_hm(end)}"
    return f"{_hm(start)} on {_day(local_date(start))} to {_hm(end)} on {_day(local_date(end))}"


def _spans(intervals: Sequence[Interval]) -> str:
    return " and ".join(_span(i.start, i.end) for i in intervals)


@dataclass
class _Asker:
    """One moment's questions, with the calendar, busy index and rules read once."""

    patient: Patient
    procedure_type: ProcedureType
    start: dt.datetime
    end: dt.datetime
    calendar: Calendar
    busy: BusyIndex
    closed: str | None

    @property
    def day(self) -> dt.date:
        return local_date(self.start)

    def clash(self, resource: str, *, provider_id: int, room: Room | None) -> Clash | None:
        """The clash of one kind of resource, even when another kind clashes too."""
        found = self.busy.clashes(
            provider_id=provider_id,
            room_id=room.pk if room else 0,
            start=self.start,
            end=self.end,
            room_busy_until=(
                case_span(self.procedure_type, room, self.start).room_busy_until
                if room
                else self.end
            ),
        )
        return next((clash for clash in found if clash.resource == resource), None)

    def provider_reasons(self, provider: Provider) -> tuple[Reason, ...]:
        found = []
        if not provider.active:
            found.append(Reason(PROVIDER_INACTIVE, f"{provider.name} no longer takes cases."))
        elif not self.closed and not self.calendar.provider_works(
            provider.pk, self.start, self.end
        ):
            found.append(Reason(PROVIDER_NOT_WORKING, self._not_working(provider)))
        clash = self.clash("provider", provider_id=provider.pk, room=None)
        if clash is not None:
            found.append(
                Reason(
                    PROVIDER_BUSY,
                    f"{provider.name} is busy with another case "
                    f"{_span(clash.busy.start, clash.busy.end)}.",
                )
            )
        return tuple(found)

    def _not_working(self, provider: Provider) -> str:
        hours = self.calendar.provider_hours(provider.pk, self.day)
        dated = self.calendar.exceptions.get((provider.pk, self.day), [])
        why = "; ".join(dict.fromkeys(e.reason for e in dated if e.reason))
        because = f" ({why})" if why else ""
        if not hours:
            return f"{provider.name} is not working on {_day(self.day)}{because}."
        return (
            f"{provider.name} works {_spans(hours)} on {_day(self.day)}{because}; "
            f"a case {_span(self.start, self.end)} falls outside those hours."
        )

    def room_reasons(
        self, room: Room, clash: Clash | None, cases: dict[int, tuple[dt.datetime, dt.datetime]]
    ) -> tuple[Reason, ...]:
        found = []
        if not room.active:
            found.append(Reason(ROOM_INACTIVE, f"{room.name} is not in use."))
        elif not room_suits(room, self.procedure_type):
            found.append(
                Reason(
                    ROOM_UNSUITABLE,
                    f"{room.name} cannot host {self.procedure_type.name}: "
                    "it needs a fluoroscopy suite.",
                )
            )
        if (
            not self.closed
            and self.clinic_covers()
            and not self.calendar.room_open(room.pk, self.start, self.end)
        ):
            found.append(Reason(ROOM_CLOSED, self._room_closed(room)))
        if clash is not None:
            found.append(self._room_busy(room, clash, cases))
        # Shared equipment goes with the room's site: a unit moves between its rooms.
        if none := none_at_site(self.procedure_type, room):
            found.append(Reason(EQUIPMENT_NONE, none))
        elif self.procedure_type.equipment_kind_id is not None:
            units = units_at(self.procedure_type.equipment_kind_id, room.site_id)
            if in_use := all_in_use(units, self.busy, self.start, self.end):
                found.append(Reason(EQUIPMENT_BUSY, in_use))
        return tuple(found)

    def clinic_covers(self) -> bool:
        return any(i.covers(self.start, self.end) for i in self.calendar.clinic_open(self.day))

    def _room_closed(self, room: Room) -> str:
        closures = RoomClosure.objects.filter(
            room=room, starts_at__lt=self.end, ends_at__gt=self.start
        ).order_by("starts_at")
        parts = [
            _span(c.starts_at, c.ends_at) + (f" ({c.reason})" if c.reason else "") for c in closures
        ]
        return f"{room.name} is closed {' and '.join(parts) or 'then'}."

    def _room_busy(
        self, room: Room, clash: Clash, cases: dict[int, tuple[dt.datetime, dt.datetime]]
    ) -> Reason:
        other_start, other_end = cases.get(
            clash.busy.appointment_id, (clash.busy.start, clash.busy.end)
        )
        free_again = _hm(clash.busy.end)  # a room's busy row runs to the end of its turnover
        if self.start >= other_end:
            return Reason(
                ROOM_TURNOVER,
                f"{room.name} is being turned over after the {_hm(other_start)} case "
                f"there; it is free again at {free_again}.",
            )
        if self.end <= other_start:
            return Reason(
                ROOM_TURNOVER,
                f"{room.name} needs {room.turnover_minutes} minutes of turnover after this case, "
                f"and the next case there starts at {_hm(other_start)}.",
            )
        return Reason(
            ROOM_BUSY,
            f"{room.name} is in use {_span(other_start, other_end)} for another case "
            f"(free again at {free_again}, turnover included).",
        )


def explain(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    start: dt.datetime,
    providers: Sequence[Provider],
    rooms: Sequence[Room],
    exclude_appointment_id: int | None = None,
    levels: tuple[str, ...] = (),
) -> Explanation:
    """What stops this case at `start` with each of these providers and rooms. Reads only."""
    if not providers or not rooms:
        raise ValueError("explain needs at least one provider and one room to ask about")
    span = case_span(procedure_type, rooms[0], start)
    start, end = span.start, span.end
    day = local_date(start)
    calendar = Calendar.load(
        first=day, last=day, provider_ids=[p.pk for p in providers], room_ids=[r.pk for r in rooms]
    )
    longest_turnover = dt.timedelta(minutes=max(r.turnover_minutes for r in rooms))
    kind_id = procedure_type.equipment_kind_id
    units = (
        {u.pk for room in rooms for u in units_at(kind_id, room.site_id)}
        if kind_id is not None
        else set()
    )
    busy = BusyIndex.load(
        start=start,
        end=end + longest_turnover,
        provider_ids=[p.pk for p in providers],
        room_ids=[r.pk for r in rooms],
        patient_id=patient.pk,
        exclude_appointment_id=exclude_appointment_id,
        equipment_ids=units,
    )
    asker = _Asker(
        patient, procedure_type, start, end, calendar, busy, calendar.closed_because(day)
    )

    common: list[Reason] = []
    if start < timezone.now():
        common.append(Reason(PAST, f"{_day(day)} {_hm(start)} has already passed."))
    if too_far := beyond_horizon_sentence(start):
        common.append(Reason(BEYOND_HORIZON, too_far))
    if asker.closed:
        common.append(
            Reason(CLINIC_CLOSED, f"The clinic is closed on {_day(day)} ({asker.closed}).")
        )
    elif not asker.clinic_covers():
        opening = calendar.clinic_open(day)
        common.append(
            Reason(
                OUTSIDE_CLINIC_HOURS,
                f"The clinic's rooms are open {_spans(opening)} on {_day(day)}; "
                f"a case {_span(start, end)} runs outside those hours.",
            )
        )
    patient_clash = asker.clash("patient", provider_id=0, room=None)
    if patient_clash is not None:
        common.append(
            Reason(
                PATIENT_BUSY,
                f"{patient.full_name} already has a case "
                f"{_span(patient_clash.busy.start, patient_clash.busy.end)} on {_day(day)}.",
            )
        )
    rules = PatientRules.load(patient, exclude_appointment_id)
    decision = rules.decide(procedure_type, region, side, day, levels, at=start)
    common.extend(
        Reason(
            v.code, v.detail, rule=True, eligible_from=v.eligible_from, eligible_at=v.eligible_at
        )
        for v in decision.violations
    )

    # The other cases a room clash names: their own times, to tell turnover from the case.
    room_clashes = [asker.clash("room", provider_id=0, room=room) for room in rooms]
    named = {c.busy.appointment_id for c in room_clashes if c is not None}
    cases: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    if named:
        rows = Appointment.objects.filter(pk__in=named).values_list("pk", "start", "end")
        cases = {pk: (case_start, case_end) for pk, case_start, case_end in rows}
    return Explanation(
        procedure_type=procedure_type,
        start=start,
        end=end,
        common=tuple(common),
        providers=tuple(ProviderVerdict(p, asker.provider_reasons(p)) for p in providers),
        rooms=tuple(
            RoomVerdict(room, asker.room_reasons(room, clash, cases))
            for room, clash in zip(rooms, room_clashes, strict=True)
        ),
        rules_allow_from=decision.eligible_from,
    )
