"""Moving an appointment through its day: check-in, completion, no-show, cancellation."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.services import lock_patient
from scheduling import workflow
from scheduling.availability import local_date
from scheduling.errors import ChecklistIncomplete, InvalidCancelCause, InvalidTransition
from scheduling.models import Appointment, CancelCause, FreedReason, ReminderKind, Status
from scheduling.recheck import recheck_after_commit
from scheduling.reminders import plan as reminder_plan
from scheduling.states import require_transition
from scheduling.waitlist.matching import slot_freed

Actor = AbstractBaseUser | None


def lock_appointment(appointment: Appointment) -> Appointment:
    """Lock the patient's row, then the appointment's: the order every service keeps."""
    lock_patient(appointment.patient)
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _move(
    locked: Appointment,
    target: Status,
    *,
    acting_user: Actor,
    stamp_field: str,
    reason: str = "",
    extra_fields: dict[str, object] | None = None,
) -> Appointment:
    before = locked.status
    locked.status = target
    setattr(locked, stamp_field, timezone.now())
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
    locked.sequence += 1  # calendars holding the case take its new status (a cancel removes it)
    locked.save(
        update_fields=["status", stamp_field, *(extra_fields or {}), "sequence", "updated_at"]
    )
    audit.record(
        actor=acting_user,
        action=f"appointment.{target.value}",
        instance=locked,
        changes={
            "status": [before, target.value],
            **{k: [None, v] for k, v in (extra_fields or {}).items()},
        },
        reason=reason,
    )
    return locked


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    reason: str,
    acting_user: Actor,
    cause: str = CancelCause.OTHER,
) -> Appointment:
    """Cancel a case with a reason in words and a cause from the list (for the dashboard)."""
    if cause not in CancelCause.values:
        raise InvalidCancelCause(
            f"{cause!r} is not a cancellation cause; use one of {', '.join(CancelCause.values)}."
        )
    locked = lock_appointment(appointment)
    require_transition(locked.status, Status.CANCELLED)
    reminder_plan.cancel_pending(locked)
    # A case that made another refused (a limit, a spacing) no longer counts.
    recheck_after_commit(locked.patient_id)
    cancelled = _move(
        locked,
        Status.CANCELLED,
        acting_user=acting_user,
        stamp_field="cancelled_at",
        reason=reason,
        extra_fields={"cancel_reason": reason, "cancel_cause": cause},
    )
    # The time it leaves, matched against the waitlist before this commits.
    slot_freed(
        cancelled,
        start=cancelled.start,
        end=cancelled.end,
        provider_id=cancelled.provider_id,
        room_id=cancelled.room_id,
        reason=FreedReason.CANCELLED,
    )
    return cancelled


@transaction.atomic
def appointment_check_in(
    *, appointment: Appointment, acting_user: Actor, override_reason: str = ""
) -> Appointment:
    locked = lock_appointment(appointment)
    require_transition(locked.status, Status.CHECKED_IN)
    day = local_date(locked.start)
    if day != timezone.localdate():
        raise InvalidTransition(f"Check-in opens on the day of the case, {day:%a %d %b %Y}.")
    open_items = workflow.open_required_items(locked)
    if open_items and not override_reason.strip():
        labels = "; ".join(item.label for item in open_items)
        raise ChecklistIncomplete(
            f"{len(open_items)} required checklist "
            f"{'item is' if len(open_items) == 1 else 'items are'} open: {labels}. "
            "Complete them, or check in with an override reason.",
            extra={
                "open_items": [
                    {"id": item.pk, "code": item.code, "label": item.label} for item in open_items
                ]
            },
        )
    if open_items:
        # The override is the exception a manager will ask about: who, why, and what was open.
        audit.record(
            actor=acting_user,
            action="appointment.check_in_override",
            instance=locked,
            changes={"open_items": [item.code for item in open_items]},
            reason=override_reason,
        )
    extra: dict[str, object] = (
        {"check_in_override_reason": override_reason} if override_reason else {}
    )
    return _move(
        locked,
        Status.CHECKED_IN,
        acting_user=acting_user,
        stamp_field="checked_in_at",
        reason=override_reason,
        extra_fields=extra,
    )


@transaction.atomic
def appointment_complete(*, appointment: Appointment, acting_user: Actor) -> Appointment:
    locked = lock_appointment(appointment)
    require_transition(locked.status, Status.COMPLETED)
    completed = _move(locked, Status.COMPLETED, acting_user=acting_user, stamp_field="completed_at")
    # Completion reminders are anchored on the case: the booking ones are moot now.
    reminder_plan.cancel_pending(completed, kinds=[ReminderKind.APPOINTMENT])
    reminder_plan.plan_completed(completed)
    return completed


@transaction.atomic
def appointment_no_show(*, appointment: Appointment, acting_user: Actor) -> Appointment:
    locked = lock_appointment(appointment)
    require_transition(locked.status, Status.NO_SHOW)
    if timezone.now() < locked.start:
        raise InvalidTransition(
            "A patient can be marked as a no-show only once the start time has passed."
        )
    reminder_plan.cancel_pending(locked)
    return _move(locked, Status.NO_SHOW, acting_user=acting_user, stamp_field="no_show_at")
