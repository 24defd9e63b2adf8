"""What the case page shows beside the case's facts, each read from rows already loaded:
checklist progress and rows (with what a save came back with), the prior authorization, who
overrode check-in and which items were open, and the follow-ups the reminder rules ask for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from procedures import selectors as procedure_selectors
from procedures.models import PriorAuthorization, ValueKind
from scheduling.availability import local_date
from scheduling.case_history import HistoryEntry
from scheduling.models import (
    Appointment,
    ChecklistItem,
    FollowUp,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from scheduling.workflow import PRIOR_AUTH


@dataclass(frozen=True)
class Progress:
    done: int
    required: int
    open_items: list[ChecklistItem]

    @property
    def complete(self) -> bool:
        return self.done == self.required


def checklist_progress(items: list[ChecklistItem]) -> Progress:
    required = [item for item in items if item.required]
    return Progress(
        done=sum(1 for item in required if item.done),
        required=len(required),
        open_items=[item for item in required if not item.done],
    )


@dataclass(frozen=True)
class Authorization:
    """Prior authorization for the case: needed or not, and what covers the case day."""

    needed: bool
    item: ChecklistItem | None
    covering: PriorAuthorization | None


def authorization_for(case: Appointment, items: list[ChecklistItem]) -> Authorization:
    # The checklist carries the prior-auth item exactly when the payer or the procedure
    # needs one (scheduling.replan); the authorization is read only then.
    item = next((i for i in items if i.code == PRIOR_AUTH), None)
    if item is None:
        return Authorization(needed=False, item=None, covering=None)
    covering = procedure_selectors.covering_authorization(
        case.patient_id, case.procedure_type_id, local_date(case.start)
    )
    return Authorization(needed=True, item=item, covering=covering)


@dataclass(frozen=True)
class ItemFeedback:
    """What one item's save came back with, shown at that item."""

    item_id: int
    errors: tuple[str, ...] = ()  # the service's refusal, in its words
    value_refused: bool = False  # the refusal is about the value typed
    typed_value: str | None = None  # kept in the field after a refusal
    conflict: str = ""  # someone changed the item after the page was read
    saved: str = ""  # "Consent signed: ticked.", for the checklist's live region


def item_takes_value(item: ChecklistItem) -> bool:
    """Whether the nurse types a value with the tick (INR, glucose). The authorization
    number is the approved authorization's: the service writes it."""
    template = item.template
    return bool(template and template.value_kind != ValueKind.NONE and item.code != PRIOR_AUTH)


@dataclass(frozen=True)
class ChecklistRow:
    """One item as the page shows it: read-only, or a form with what its template asks."""

    item: ChecklistItem
    editable: bool
    kind: str  # ValueKind of the item's template
    value_label: str
    limit: Decimal | None
    blocked: str  # why it cannot be ticked by hand now, in words
    feedback: ItemFeedback | None

    @property
    def takes_value(self) -> bool:
        return item_takes_value(self.item)

    @property
    def input_value(self) -> str:
        if self.feedback is not None and self.feedback.typed_value is not None:
            return self.feedback.typed_value
        return self.item.value


def _day_words(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def checklist_rows(
    case: Appointment,
    items: list[ChecklistItem],
    authorization: Authorization,
    *,
    editable: bool,
    feedback: ItemFeedback | None,
) -> list[ChecklistRow]:
    rows = []
    for item in items:
        template = item.template
        blocked = ""
        if item.code == PRIOR_AUTH and authorization.covering is None and not item.done:
            # The service ticks this item from an approved authorization covering the case
            # day (workflow._validate_done); without one a tick can only be refused.
            blocked = (
                f"No approved authorization covers {_day_words(local_date(case.start))}; "
                "the item is ticked when one is approved."
            )
        rows.append(
            ChecklistRow(
                item=item,
                editable=editable,
                kind=template.value_kind if template else ValueKind.NONE,
                value_label=(template.value_label if template else "") or "Value",
                limit=template.max_value if template else None,
                blocked=blocked,
                feedback=feedback if feedback and feedback.item_id == item.pk else None,
            )
        )
    return rows


@dataclass(frozen=True)
class Override:
    """Who checked the patient in with required items open, when, why, and which items."""

    by: str
    at: dt.datetime | None
    reason: str
    open_items: list[tuple[str, ChecklistItem | None]]  # label, and the item to link to


def override_of(
    case: Appointment, history: list[HistoryEntry], items: list[ChecklistItem]
) -> Override | None:
    if not case.check_in_override_reason:
        return None
    by_code = {item.code: item for item in items}
    entry = next(
        (e for e in reversed(history) if e.action == "appointment.check_in_override"), None
    )
    if entry is None:
        # A reason given with no required item open has no override row: the check-in's
        # own row says who. Without either (rows entered by hand), the reason alone.
        checked_in = next(
            (e for e in reversed(history) if e.action == "appointment.checked_in"), None
        )
        by, at = (checked_in.actor, checked_in.at) if checked_in else ("", case.checked_in_at)
        return Override(by, at, case.check_in_override_reason, [])
    return Override(
        by=entry.actor,
        at=entry.at,
        reason=entry.reason or case.check_in_override_reason,
        open_items=[
            (by_code[code].label if code in by_code else code, by_code.get(code))
            for code in entry.open_item_codes
        ],
    )


@dataclass(frozen=True)
class FollowUpDue:
    on: dt.date
    reminder: Reminder
    recorded: FollowUp | None  # the first follow-up on or after the day, once there is one


def follow_ups_due(reminders: list[Reminder], follow_ups: list[FollowUp]) -> list[FollowUpDue]:
    """The relief follow-ups the clinic's reminder rules planned for this case (DOMAIN.md):
    the days a later relief is asked of the patient, and whether it has been recorded."""
    due = []
    for reminder in reminders:
        kinds = (ReminderKind.FOLLOW_UP, ReminderKind.RELIEF_FOLLOW_UP)
        if reminder.kind not in kinds or reminder.status not in (
            ReminderStatus.PENDING,
            ReminderStatus.SENT,
        ):
            continue
        on = timezone.localdate(reminder.due_at)
        recorded = next((f for f in follow_ups if f.assessed_on >= on), None)
        due.append(FollowUpDue(on, reminder, recorded))
    return due
