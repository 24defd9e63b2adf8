"""The nurse's worklist and day sheet: a clinic day's cases per room, in time order, each with
what the nurses work on before it (checklist progress, holds, prior authorization, attention).

Read in a fixed number of queries whatever the number of cases: the day's cases with their
patient, procedure, provider and room in one query, their holds (with the drug) and their
checklists in one prefetch each, the open authorization requests of the patients still
missing one in one more, the cancelled and no-show cases in one light query, and the rooms and
providers offered as filters in one each.

The day is small (a clinic books some tens of cases a day), so every case of the day is read
and the filters are applied here: the page can then say how many cases the filters hide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from django.db.models import Prefetch

from clinic.models import Provider, Room
from clinic.selectors import providers_active, rooms_active
from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling.attention import attention_list
from scheduling.availability import local_day_bounds
from scheduling.models import Appointment, AppointmentHold, ChecklistItem, Status
from scheduling.selectors import appointments_with_context
from scheduling.workflow import PRIOR_AUTH

# Checklist item codes (procedures/migrations/0009_seed_checklist_templates.py).
HOLD_CONFIRMED = "hold_confirmed"
INR = "inr"

# Cases that are not coming: out of the rooms and the counts, as nothing is left to do for
# them, but listed apart (muted, with the cause): a gap in a room is explained at a glance,
# and nobody prepares or rings a patient who cancelled.
NOT_COMING = (Status.CANCELLED, Status.NO_SHOW)
# Cases whose checklist can still be worked (services.checklist_tick refuses the others), so
# only these count as having open items.
WORKABLE = (Status.SCHEDULED, Status.CHECKED_IN)

Place = TypeVar("Place", Room, Provider)


class AuthorizationState(StrEnum):
    NOT_NEEDED = "not_needed"
    APPROVED = "approved"
    MISSING = "missing"


@dataclass(frozen=True)
class CaseAuthorization:
    """The case's prior authorization as its checklist item records it: the item exists only
    when the payer or the procedure needs one, and is ticked, with the approved
    authorization's number, exactly when one covers the case's day (workflow.py)."""

    state: AuthorizationState
    number: str = ""
    # A request waits for the payer's answer: the desk has asked already.
    requested: bool = False


@dataclass(frozen=True)
class WorklistCase:
    case: Appointment
    done: int  # required items done
    required: int
    open_items: tuple[ChecklistItem, ...]  # required items not done, in checklist order
    holds: tuple[AppointmentHold, ...]
    # The nurse confirmed the hold with the patient (the hold item ticked); None when the
    # checklist carries no such item (a manager switched the template off).
    hold_confirmed: bool | None
    inr_needed: bool
    inr_item: ChecklistItem | None
    authorization: CaseAuthorization

    @property
    def workable(self) -> bool:
        return self.case.status in WORKABLE

    @property
    def flags(self) -> list[dict[str, str]]:
        """What needs attention on the case, one sentence per reason."""
        return attention_list(self.case)

    @property
    def has_open_items(self) -> bool:
        return self.workable and bool(self.open_items)

    @property
    def inr_pending(self) -> bool:
        return self.inr_needed and self.workable and not (self.inr_item and self.inr_item.done)


@dataclass(frozen=True)
class RoomCases:
    room: Room
    cases: list[WorklistCase]


@dataclass(frozen=True)
class Filters:
    room_id: int | None = None
    provider_id: int | None = None
    open_only: bool = False

    @property
    def any(self) -> bool:
        return self.room_id is not None or self.provider_id is not None or self.open_only


@dataclass(frozen=True)
class Worklist:
    day: dt.date
    filters: Filters  # as applied: an id that names no room or provider is dropped
    rooms: list[RoomCases]  # rooms with a case shown, in the rooms' order
    not_coming: list[Appointment]  # cancelled and no-show cases, shown apart
    total: int  # cases of the day still coming (or done), before the filters
    room_choices: list[Room]
    provider_choices: list[Provider]

    @property
    def cases(self) -> list[WorklistCase]:
        return [case for room in self.rooms for case in room.cases]

    @property
    def shown(self) -> int:
        return sum(len(room.cases) for room in self.rooms)

    @property
    def with_open_items(self) -> int:
        return sum(1 for case in self.cases if case.has_open_items)

    @property
    def needing_attention(self) -> int:
        return sum(1 for case in self.cases if case.case.attention)

    @property
    def room_name(self) -> str:
        return next((r.name for r in self.room_choices if r.pk == self.filters.room_id), "")

    @property
    def provider_name(self) -> str:
        return next((p.name for p in self.provider_choices if p.pk == self.filters.provider_id), "")


def day_cases(day: dt.date) -> list[Appointment]:
    """The cases of a clinic day still coming, in time order, with their holds and checklist:
    three queries."""
    start, end = local_day_bounds(day)
    return list(
        appointments_with_context()
        # Holds come with their drug, ordered by the drug's name (appointments_with_context).
        .prefetch_related(
            Prefetch("checklist_items", queryset=ChecklistItem.objects.order_by("order", "code"))
        )
        .filter(start__gte=start, start__lt=end)
        .exclude(status__in=NOT_COMING)
        .order_by("start", "room__name", "id")
    )


def day_not_coming(
    day: dt.date, *, room_id: int | None, provider_id: int | None
) -> list[Appointment]:
    """The day's cancelled and no-show cases, for a line each: one light query, without the
    holds and checklists a case that is not coming no longer needs (a day's cancellations
    and the cases booked again in their place can outnumber the cases still coming)."""
    start, end = local_day_bounds(day)
    rows = Appointment.objects.filter(
        start__gte=start, start__lt=end, status__in=NOT_COMING
    ).select_related("patient", "procedure_type", "room")
    if room_id is not None:
        rows = rows.filter(room_id=room_id)
    if provider_id is not None:
        rows = rows.filter(provider_id=provider_id)
    return list(rows.order_by("start", "room__name", "id"))


def worklist(
    day: dt.date,
    *,
    room_id: int | None = None,
    provider_id: int | None = None,
    open_only: bool = False,
) -> Worklist:
    """The day's cases per room in time order, filtered, each with what is left to do."""
    cases = day_cases(day)
    rooms = _with_cases_places(list(rooms_active()), [case.room for case in cases])
    providers = _with_cases_places(list(providers_active()), [case.provider for case in cases])
    filters = Filters(
        room_id=room_id if any(r.pk == room_id for r in rooms) else None,
        provider_id=provider_id if any(p.pk == provider_id for p in providers) else None,
        open_only=open_only,
    )
    requested = _authorization_requests(cases)
    # Read whatever the filters, so the page's query count never depends on them.
    not_coming = day_not_coming(day, room_id=filters.room_id, provider_id=filters.provider_id)
    placed = [
        case
        for case in cases
        if filters.room_id in (None, case.room_id)
        and filters.provider_id in (None, case.provider_id)
    ]
    shown = [
        row
        for row in (_row(case, requested) for case in placed)
        if row.has_open_items or not filters.open_only
    ]
    by_room: dict[int, list[WorklistCase]] = {}
    for row in shown:
        by_room.setdefault(row.case.room_id, []).append(row)
    return Worklist(
        day=day,
        filters=filters,
        rooms=[RoomCases(room, by_room[room.pk]) for room in rooms if room.pk in by_room],
        # Open items only: the cases still to work on, and a cancelled case is not one.
        not_coming=[] if open_only else not_coming,
        total=len(cases),
        room_choices=rooms,
        provider_choices=providers,
    )


def _with_cases_places(active: list[Place], used: list[Place]) -> list[Place]:
    """The active rooms (or providers), and any inactive one that still has a case that day."""
    known = {place.pk for place in active}
    extra = {place.pk: place for place in used if place.pk not in known}
    return active + sorted(extra.values(), key=lambda place: place.name)


def _row(case: Appointment, requested: set[tuple[int, int]]) -> WorklistCase:
    items = list(case.checklist_items.all())
    by_code = {item.code: item for item in items}
    required = [item for item in items if item.required]
    holds = tuple(case.holds.all())
    hold_item = by_code.get(HOLD_CONFIRMED)
    return WorklistCase(
        case=case,
        done=sum(1 for item in required if item.done),
        required=len(required),
        open_items=tuple(item for item in required if not item.done),
        holds=holds,
        hold_confirmed=hold_item.done if hold_item is not None and holds else None,
        inr_needed=any(hold.inr_required for hold in holds),
        inr_item=by_code.get(INR),
        authorization=_authorization(case, by_code.get(PRIOR_AUTH), requested),
    )


def _authorization(
    case: Appointment, item: ChecklistItem | None, requested: set[tuple[int, int]]
) -> CaseAuthorization:
    if item is None:
        return CaseAuthorization(AuthorizationState.NOT_NEEDED)
    if item.done:
        return CaseAuthorization(AuthorizationState.APPROVED, number=item.value)
    return CaseAuthorization(
        AuthorizationState.MISSING,
        requested=(case.patient_id, case.procedure_type_id) in requested,
    )


def _authorization_requests(cases: list[Appointment]) -> set[tuple[int, int]]:
    """(patient, procedure) of the cases missing an authorization that have a request waiting
    for the payer: one query, and none when no case misses one."""
    missing = [
        case
        for case in cases
        if any(item.code == PRIOR_AUTH and not item.done for item in case.checklist_items.all())
    ]
    if not missing:
        return set()
    rows = PriorAuthorization.objects.filter(
        status=AuthorizationStatus.REQUESTED,
        patient_id__in={case.patient_id for case in missing},
        procedure_type_id__in={case.procedure_type_id for case in missing},
    ).values_list("patient_id", "procedure_type_id")
    return set(rows)
