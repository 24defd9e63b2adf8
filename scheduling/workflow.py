"""A nurse's work on a case's checklist: ticking items, with the values they take.

The checklist itself (which items a case has) is written by `scheduling.replan`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from clinic import audit
from clinic.users import as_user
from procedures import selectors as procedure_selectors
from procedures.models import (
    ChecklistItemTemplate,
    ValueKind,
)
from scheduling.availability import local_date
from scheduling.errors import EditConflict
from scheduling.models import (
    Appointment,
    ChecklistItem,
)

PRIOR_AUTH = "prior_auth"


def open_required_items(appointment: Appointment) -> list[ChecklistItem]:
    return [i for i in appointment.checklist_items.all() if i.required and not i.done]


def tick(
    *,
    appointment: Appointment,
    item: ChecklistItem,
    done: bool,
    value: str | None,
    acting_user: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> ChecklistItem:
    """A nurse ticks (or unticks) an item, with a value where it takes one. Audited.

    `expected_version` is the version the nurse's page or client read. The caller holds the
    appointment's lock; the version is checked again in the UPDATE itself, so a save that
    read an older version can never overwrite a newer one, whatever the caller did.
    """
    if expected_version is not None and expected_version != item.version:
        raise _conflict(item)
    before = audit.snapshot(item, ["done", "value"])
    template = item.template
    if value is not None:
        item.value = value.strip()
    if done:
        _validate_done(appointment, item, template)
        item.done, item.done_at, item.done_by = True, timezone.now(), as_user(acting_user)
    else:
        item.done, item.done_at, item.done_by = False, None, None
    changes = audit.diff(before, audit.snapshot(item, ["done", "value"]))
    if changes:
        item.changed_at, item.changed_by = timezone.now(), as_user(acting_user)
        written = ChecklistItem.objects.filter(pk=item.pk, version=item.version).update(
            done=item.done,
            value=item.value,
            done_at=item.done_at,
            done_by=item.done_by,
            changed_at=item.changed_at,
            changed_by=item.changed_by,
            version=F("version") + 1,
        )
        if not written:
            item.refresh_from_db()
            raise _conflict(item)
        item.version += 1
    audit.record(actor=acting_user, action="checklist.tick", instance=item, changes=changes)
    return item


def _conflict(item: ChecklistItem) -> EditConflict:
    who = item.changed_by.get_username() if item.changed_by else "someone else"
    when = f" at {timezone.localtime(item.changed_at):%H:%M}" if item.changed_at else ""
    return EditConflict(
        f'"{item.label}" was changed by {who}{when} after you opened it; reload to see the '
        "change, then save again if it still needs it.",
        extra={"version": item.version},
    )


def _validate_done(
    appointment: Appointment, item: ChecklistItem, template: ChecklistItemTemplate | None
) -> None:
    # An item whose template a manager deleted keeps its tick, without a value to check.
    kind = template.value_kind if template else ValueKind.NONE
    label = (template.value_label if template else "") or "A value"
    if item.code == PRIOR_AUTH:
        authorization = procedure_selectors.covering_authorization(
            appointment.patient_id, appointment.procedure_type_id, local_date(appointment.start)
        )
        if authorization is None:
            raise ValidationError(
                {"done": [f"No approved authorization covers {local_date(appointment.start)}."]}
            )
        if item.value and item.value != authorization.number:
            raise ValidationError(
                {"value": [f"The approved authorization's number is {authorization.number}."]}
            )
        item.value = authorization.number
        return
    if kind == ValueKind.NONE:
        return
    if not item.value:
        raise ValidationError({"value": [f"{label} is needed to tick this item."]})
    if kind == ValueKind.NUMBER:
        try:
            number = Decimal(item.value)
        except InvalidOperation as exc:
            raise ValidationError({"value": [f"{label} must be a number."]}) from exc
        if not number.is_finite() or number < 0:
            raise ValidationError({"value": [f"{label} must be a number of zero or more."]})
        limit = template.max_value if template else None
        if limit is not None and number > limit:
            raise ValidationError(
                {
                    "value": [
                        f"{label} {number} is above the limit of {limit}: the case cannot go ahead."
                    ]
                }
            )
