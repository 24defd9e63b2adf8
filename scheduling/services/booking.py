"""Booking and moving appointments: the only code that puts a case in the calendar.

Each call is one transaction. It locks the patient's row first (so two desks booking for
one patient queue up behind each other before any rule counts their history), checks the
place and time with the same `availability` questions the slot search asks, inserts, and
writes the audit row. The database has the last word on overlaps: on PostgreSQL an
exclusion constraint refuses the loser of a race; on SQLite the immediate transaction
keeps a second writer out until the first has committed.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Equipment, Patient, Provider, Room
from clinic.services import lock_patient
from clinic.users import as_user
from procedures import versioned
from procedures.models import ProcedureType
from scheduling.availability import BusyIndex, case_span, local_date
from scheduling.eligibility import require_eligible
from scheduling.equipment import all_in_use, none_at_site, units_at
from scheduling.errors import (
    BeyondHorizon,
    OutsideHours,
    RoomUnsuitable,
    SlotUnavailable,
    StartInPast,
)
from scheduling.horizon import beyond_horizon_sentence
from scheduling.models import Appointment, FreedReason
from scheduling.place import hours_problem, room_problem
from scheduling.recheck import recheck_after_commit
from scheduling.replan import replan
from scheduling.states import require_reschedulable
from scheduling.waitlist.entries import close_for_booking
from scheduling.waitlist.matching import slot_freed

Actor = AbstractBaseUser | None

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
OVERLAP_CONSTRAINTS = {
    "no_provider_overlap": "provider",
    "no_room_overlap": "room",
    "no_patient_overlap": "patient",
    "no_equipment_overlap": "equipment",
}


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d %b %Y %H:%M")


class CheckedPlace(NamedTuple):
    end: dt.datetime
    room_busy_until: dt.datetime
    # The unit of shared equipment the case takes; None when the procedure needs none.
    equipment: Equipment | None


def _take_unit(
    busy: BusyIndex,
    units: list[Equipment],
    *,
    start: dt.datetime,
    end: dt.datetime,
    keep_id: int | None,
) -> Equipment:
    """The unit the case keeps (a moved case keeps its own while it is free), else the first
    free one; refused when every unit is in use at some moment of the case."""
    ordered = sorted(units, key=lambda unit: unit.pk != keep_id)
    free = busy.free_unit([unit.pk for unit in ordered], start, end)
    if free is not None:
        return next(unit for unit in ordered if unit.pk == free)
    raise SlotUnavailable(all_in_use(units, busy, start, end), extra={"resource": "equipment"})


def check_place(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    provider: Provider,
    room: Room,
    start: dt.datetime,
    exclude_appointment_id: int | None = None,
    keep_equipment_id: int | None = None,
) -> CheckedPlace:
    """Raise the refusal a scheduler should see, or return the case's end, the time its room
    is busy until and the unit of equipment it takes (`keep_equipment_id`: the one a moved
    case has, kept if still free)."""
    if start < timezone.now():
        raise StartInPast(f"{_when(start)} has already passed; choose a later time.")
    if too_far := beyond_horizon_sentence(start):
        raise BeyondHorizon(too_far)
    if unfit := room_problem(room, procedure_type) or none_at_site(procedure_type, room):
        raise RoomUnsuitable(unfit)
    kind_id = procedure_type.equipment_kind_id
    units = units_at(kind_id, room.site_id) if kind_id is not None else []
    span = case_span(procedure_type, room, start)
    start, end, room_busy_until = span.start, span.end, span.room_busy_until
    if closed := hours_problem(provider=provider, room=room, start=start, end=end):
        raise OutsideHours(closed)

    busy = BusyIndex.load(
        start=start,
        end=room_busy_until,
        provider_ids=[provider.pk],
        room_ids=[room.pk],
        patient_id=patient.pk,
        exclude_appointment_id=exclude_appointment_id,
        # In the same query: on SQLite this runs inside the booking's immediate transaction,
        # on PostgreSQL the exclusion constraint settles a race for the last unit.
        equipment_ids=[unit.pk for unit in units],
    )
    clash = busy.clash(
        provider_id=provider.pk,
        room_id=room.pk,
        start=start,
        end=end,
        room_busy_until=room_busy_until,
    )
    if clash is not None:
        who = {
            "provider": provider.name,
            "room": room.name,
            "patient": patient.full_name,
        }[clash.resource]
        extra = " (turnover included)" if clash.resource == "room" else ""
        raise SlotUnavailable(
            f"{who} is already booked {_local(clash.busy.start)}-{_local(clash.busy.end)}"
            f"{extra} on {local_date(clash.busy.start):%a %d %b %Y}.",
            extra={"resource": clash.resource},
        )
    equipment = (
        _take_unit(busy, units, start=start, end=end, keep_id=keep_equipment_id) if units else None
    )
    return CheckedPlace(end, room_busy_until, equipment)


def _save_guarded(appointment: Appointment, update_fields: list[str] | None = None) -> None:
    """Save; an overlap the database refuses (a race lost) becomes `slot_unavailable`.

    No savepoint of its own (two round trips): the refusal leaves the caller's transaction,
    which every caller opens, and rolls all of it back."""
    try:
        appointment.save(update_fields=update_fields)
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint not in OVERLAP_CONSTRAINTS:
            raise
        resource = OVERLAP_CONSTRAINTS[constraint]
        raise SlotUnavailable(
            f"The {resource} was booked by someone else a moment ago; pick another slot.",
            extra={"resource": resource},
        ) from exc
    except OperationalError as exc:
        # Two writers whose cases overlap on different resources (one's provider, the
        # other's room) can each wait on the other's uncommitted row inside the exclusion
        # checks. PostgreSQL breaks the cycle by failing one of them: that one lost the race.
        if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        raise SlotUnavailable(
            "Someone else booked an overlapping case a moment ago; pick another slot.",
            extra={"resource": "unknown"},
        ) from exc


@versioned.one_reading()
@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    provider: Provider,
    room: Room,
    start: dt.datetime,
    acting_user: Actor,
    sedation: bool | None = None,
    levels: list[str] | tuple[str, ...] = (),
) -> Appointment:
    """Book a case. `sedation` is the plan for this case; None takes the catalog's default."""
    patient = lock_patient(patient)
    end, room_busy_until, equipment = check_place(
        patient=patient, procedure_type=procedure_type, provider=provider, room=room, start=start
    )
    # The patient's row is locked: no other booking can add a session while we count them.
    rules = require_eligible(
        patient=patient,
        procedure_type=procedure_type,
        region=region,
        side=side,
        day=local_date(start),
        levels=tuple(levels),
        start=start,
    )
    appointment = Appointment(
        patient=patient,
        procedure_type=procedure_type,
        region=region,
        side=side,
        provider=provider,
        room=room,
        equipment=equipment,
        start=start,
        end=end,
        room_busy_until=room_busy_until,
        sedation=procedure_type.sedation if sedation is None else sedation,
        levels=list(levels),
        created_by=as_user(acting_user),
    )
    _save_guarded(appointment)
    # Holds, checklist and the outbox rows are written in this transaction: the booking and
    # its reminders commit together or not at all.
    replan(appointment, actor=acting_user, new=True, place_checked=True)
    close_for_booking(appointment)  # the waitlist entry it fills, if the patient had one
    audit.record(
        actor=acting_user,
        action="appointment.book",
        instance=appointment,
        changes=audit.snapshot(
            appointment,
            [
                "patient",
                "procedure_type",
                "region",
                "side",
                "provider",
                "room",
                "equipment",
                "start",
                "end",
                "sedation",
                "levels",
            ],
        ),
    )
    # A session booked before the patient's later cases may change their answers (the repeat
    # after it now waits for its relief); earlier cases' windows do not reach it. The rules
    # have read the patient's cases: no query to ask.
    if rules.scheduled_after(appointment.start):
        recheck_after_commit(patient.pk)
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    provider: Provider | None = None,
    room: Room | None = None,
    acting_user: Actor,
) -> Appointment:
    """Move a scheduled case to another time (and provider or room); every check runs again."""
    patient = lock_patient(appointment.patient)
    # of=("self",): lock the appointment row only, never the catalog rows the join reaches.
    locked = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("procedure_type")
        .get(pk=appointment.pk)
    )
    require_reschedulable(locked.status)
    provider = provider or locked.provider
    room = room or locked.room
    end, room_busy_until, equipment = check_place(
        patient=patient,
        procedure_type=locked.procedure_type,
        provider=provider,
        room=room,
        start=start,
        exclude_appointment_id=locked.pk,
        keep_equipment_id=locked.equipment_id,
    )
    require_eligible(
        patient=patient,
        procedure_type=locked.procedure_type,
        region=locked.region,
        side=locked.side,
        day=local_date(start),
        levels=tuple(locked.levels or ()),
        exclude_appointment_id=locked.pk,
        start=start,
    )
    fields = ["start", "end", "provider", "room", "equipment"]
    before = audit.snapshot(locked, fields)
    day_changed = local_date(start) != local_date(locked.start)
    left = (locked.start, locked.end, locked.provider_id, locked.room_id)
    locked.start, locked.end, locked.room_busy_until = start, end, room_busy_until
    locked.provider, locked.room, locked.equipment = provider, room, equipment
    locked.sequence += 1  # calendars holding the case take the moved version
    _save_guarded(
        locked,
        [
            "start",
            "end",
            "room_busy_until",
            "provider",
            "room",
            "equipment",
            "sequence",
            "updated_at",
        ],
    )
    replan(locked, actor=acting_user, day_changed=day_changed, place_checked=True)
    audit.record(
        actor=acting_user,
        action="appointment.reschedule",
        instance=locked,
        changes=audit.diff(before, audit.snapshot(locked, fields)),
    )
    # The case passed every rule on its new day; the patient's other cases are judged again.
    recheck_after_commit(patient.pk)
    left_start, left_end, left_provider, left_room = left
    if (left_start, left_provider, left_room) != (locked.start, locked.provider_id, locked.room_id):
        # What the move left free, matched against the waitlist before this commits.
        slot_freed(
            locked,
            start=left_start,
            end=left_end,
            provider_id=left_provider,
            room_id=left_room,
            reason=FreedReason.MOVED,
        )
    return locked
