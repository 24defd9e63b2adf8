"""A case's change history in words, read from the audit trail.

Every change to an appointment is audited by the service that made it (booking, moving,
cancelling, checking in, completing, outcome) and so is every tick of its checklist. This
module turns those rows into sentences a scheduler or a nurse reads at a glance:

    Booked by scheduler-1 on Mon 3 Nov 10:02 for Tue 4 Nov 09:00 (Dr. Chen, Suite 1)
    Moved from Tue 4 Nov 09:00 (Dr. Chen, Suite 1) to Wed 5 Nov 10:00 (Dr. Ortiz, Suite 1)
        by scheduler-1 on Mon 3 Nov 11:15
    Cancelled by scheduler-1 on Mon 3 Nov 12:00: patient ill — 'has the flu'
    Follow-up for Tue 18 Nov recorded by nurse-2 on Tue 18 Nov 09:10: relief 70%

Ids in the rows (providers, rooms) become names with one query per kind, whatever the
number of rows, so a case with a long history costs the page no more queries than a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from clinic.models import AuditEvent, Provider, Room
from scheduling.models import Appointment, CancelCause, ChecklistItem

APPOINTMENT = Appointment._meta.label_lower
CHECKLIST_ITEM = ChecklistItem._meta.label_lower
PLACE_FIELDS = ("start", "provider", "room")


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    text: str
    # What a page may show apart from the sentence: the reason as written, and the checklist
    # items a check-in override left open (their codes).
    reason: str = ""
    open_item_codes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


def moment(value: dt.datetime) -> str:
    """ "Mon 3 Nov 10:02" on the clinic's clock; the year only when it is not this year."""
    local = timezone.localtime(value)
    year = f" {local.year}" if local.year != timezone.localdate().year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def day(value: dt.date) -> str:
    """ "Tue 18 Nov" on the clinic's calendar; the year only when it is not this year."""
    year = f" {value.year}" if value.year != timezone.localdate().year else ""
    return f"{value:%a} {value.day} {value:%b}{year}"


def place(start: dt.datetime, provider: str, room: str) -> str:
    """ "Tue 4 Nov 09:00 (Dr. Chen, Suite 1)": where and when a case is."""
    return f"{moment(start)} ({provider}, {room})"


def quoted(text: str) -> str:
    return f"'{text.strip()}'"


def _cause(value: str) -> str:
    if value not in CancelCause.values:
        return value
    label = str(CancelCause(value).label)
    return label[:1].lower() + label[1:]


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value)
    return None


def _actor(event: AuditEvent) -> str:
    user = event.actor
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def _old_new(changes: Mapping[str, Any], name: str) -> tuple[Any, Any]:
    pair = changes.get(name)
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return pair[0], pair[1]
    return None, None


@dataclass
class _Names:
    """Provider, room and checklist item names for the ids the rows mention."""

    providers: dict[int, str]
    rooms: dict[int, str]
    items_by_id: dict[str, ChecklistItem]
    labels_by_code: dict[str, str]

    def provider(self, pk: Any) -> str:
        return self.providers.get(int(pk), "a provider no longer listed") if pk else "no provider"

    def room(self, pk: Any) -> str:
        return self.rooms.get(int(pk), "a room no longer listed") if pk else "no room"

    def place(self, state: Mapping[str, Any]) -> str:
        start = _when(state.get("start"))
        provider, room = self.provider(state.get("provider")), self.room(state.get("room"))
        return place(start, provider, room) if start else f"({provider}, {room})"


def _places_by_event(appointment: Appointment, events: list[AuditEvent]) -> dict[int, tuple]:
    """(before, after) of every move, replayed backwards from where the case is now.

    A move's audit row holds only the fields that changed; walking back from the current row
    gives the unchanged ones too, so each line can say where the case was and where it went.
    """
    state: dict[str, Any] = {
        "start": appointment.start,
        "provider": appointment.provider_id,
        "room": appointment.room_id,
    }
    places: dict[int, tuple] = {}
    for event in reversed(events):
        if event.action != "appointment.reschedule":
            continue
        after = dict(state)
        for name in PLACE_FIELDS:
            if name in event.changes:
                state[name] = _old_new(event.changes, name)[0]
        places[event.pk] = (dict(state), after)
    return places


def _load_names(events: list[AuditEvent], items: Iterable[ChecklistItem]) -> _Names:
    provider_ids: set[int] = set()
    room_ids: set[int] = set()
    for event in events:
        if event.action == "appointment.book":
            provider_ids.add(event.changes.get("provider"))
            room_ids.add(event.changes.get("room"))
        elif event.action == "appointment.reschedule":
            provider_ids.update(_old_new(event.changes, "provider"))
            room_ids.update(_old_new(event.changes, "room"))
    provider_ids.discard(None)  # type: ignore[arg-type]
    room_ids.discard(None)  # type: ignore[arg-type]
    items = list(items)
    return _Names(
        providers=dict(Provider.objects.filter(pk__in=provider_ids).values_list("pk", "name"))
        if provider_ids
        else {},
        rooms=dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "name"))
        if room_ids
        else {},
        items_by_id={str(item.pk): item for item in items},
        labels_by_code={item.code: item.label for item in items},
    )


def _booked(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    return f"Booked {by} for {names.place(event.changes)}"


def _moved(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    before, after = places[event.pk]
    return f"Moved from {names.place(before)} to {names.place(after)} {by}"


def _cancelled(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    _, cause = _old_new(event.changes, "cancel_cause")
    reason = event.reason or _old_new(event.changes, "cancel_reason")[1] or ""
    parts = [part for part in (_cause(cause or ""), quoted(reason) if reason else "") if part]
    return f"Cancelled {by}" + (f": {' — '.join(parts)}" if parts else "")


def _checked_in(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    # After an override, its own row has said it all, with the items that were open (the
    # loop leaves this one out). A reason given with nothing open is told here.
    _, reason = _old_new(event.changes, "check_in_override_reason")
    return f"Checked in {by}" + (f": {quoted(reason)}" if reason else "")


def _override(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    codes = event.changes.get("open_items") or []
    open_items = "; ".join(names.labels_by_code.get(code, code) for code in codes)
    text = f"Checked in with an override {by}: {quoted(event.reason)}"
    return text + (f" (open: {open_items})" if open_items else "")


def _percent(value: Any) -> str:
    return f"{value}%" if value is not None else "none"


def _outcome(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    old, new = _old_new(event.changes, "relief_percent")
    _, before = _old_new(event.changes, "pain_before")
    _, after = _old_new(event.changes, "pain_after")
    scores = f" (pain {before} before, {after} after)" if before is not None else ""
    if "relief_percent" not in event.changes:
        return f"Pain scores corrected {by}{scores}"
    if old is None:
        return f"Relief recorded {by}: {_percent(new)}{scores}"
    return f"Relief corrected {by}: from {_percent(old)} to {_percent(new)}{scores}"


def _follow_up(event: AuditEvent, names: _Names, by: str, places: dict) -> str:
    assessed = event.changes.get("assessed_on")
    on = f" for {day(dt.date.fromisoformat(assessed))}" if isinstance(assessed, str) else ""
    return f"Follow-up{on} recorded {by}: relief {_percent(event.changes.get('relief_percent'))}"


def _status(verb: str) -> Callable[[AuditEvent, _Names, str, dict], str]:
    return lambda event, names, by, places: f"{verb} {by}"


def _tick(event: AuditEvent, names: _Names, by: str, places: dict) -> str | None:
    item = names.items_by_id.get(event.object_id)
    label = quoted(item.label) if item else "A checklist item"
    was_done, done = _old_new(event.changes, "done")
    _, value = _old_new(event.changes, "value")
    if "done" in event.changes and done:
        return f"{label} ticked {by}" + (f": {value}" if value else "")
    if "done" in event.changes:
        return f"{label} unticked {by}"
    if "value" in event.changes:
        return f"{label} value changed {by}: {value or 'cleared'}"
    return None  # ticked again with nothing changed: nothing to tell


WORDING: dict[str, Callable[[AuditEvent, _Names, str, dict], str | None]] = {
    "appointment.book": _booked,
    "appointment.reschedule": _moved,
    "appointment.cancelled": _cancelled,
    "appointment.checked_in": _checked_in,
    "appointment.check_in_override": _override,
    "appointment.completed": _status("Completed"),
    "appointment.no_show": _status("Marked as a no-show"),
    "appointment.outcome": _outcome,
    "appointment.follow_up": _follow_up,
    "checklist.tick": _tick,
    # Demo data written as if it had happened (scheduling/demo/past.py).
    "appointment.demo_history": lambda event, names, by, places: (
        f"Entered with the demo data on {moment(event.at)}, as the services would have left it"
    ),
}


def _events(appointment: Appointment, item_ids: list[str]) -> list[AuditEvent]:
    rows = Q(object_type=APPOINTMENT, object_id=str(appointment.pk))
    if item_ids:
        rows |= Q(object_type=CHECKLIST_ITEM, object_id__in=item_ids)
    return list(AuditEvent.objects.filter(rows).select_related("actor").order_by("at", "id"))


def case_history(
    appointment: Appointment, *, checklist_items: Iterable[ChecklistItem] | None = None
) -> list[HistoryEntry]:
    """The case's changes, oldest first, each a sentence with who and when.

    Pass the checklist items when the caller has them already (the case page prefetches
    them); otherwise they are read here. The ticks of an item that no longer applies (an
    open item dropped when the case changed) are not shown: the item is gone.
    """
    items = list(
        checklist_items if checklist_items is not None else appointment.checklist_items.all()
    )
    events = _events(appointment, [str(item.pk) for item in items])
    names = _load_names(events, items)
    places = _places_by_event(appointment, events)
    entries = []
    previous = ""
    for event in events:
        told_by_override = (
            event.action == "appointment.checked_in" and previous == "appointment.check_in_override"
        )
        previous = event.action
        if told_by_override:
            continue
        by = f"by {_actor(event)} on {moment(event.at)}"
        word = WORDING.get(event.action)
        text = word(event, names, by, places) if word else f"{event.action} {by}"
        if text:
            codes = event.changes.get("open_items") if isinstance(event.changes, dict) else None
            entries.append(
                HistoryEntry(
                    event.at,
                    _actor(event),
                    event.action,
                    text,
                    reason=event.reason,
                    open_item_codes=tuple(codes or ()),
                )
            )
    return entries
