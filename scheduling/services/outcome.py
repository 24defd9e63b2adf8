"""Recording what a case achieved: relief of the index pain, which the pathways read."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.users import as_user
from procedures.rules.relief import relief_from_scores
from scheduling.availability import local_date
from scheduling.errors import InvalidTransition
from scheduling.models import Appointment, FollowUp, Status
from scheduling.recheck import recheck_after_commit
from scheduling.services.lifecycle import lock_appointment

Actor = AbstractBaseUser | None
OUTCOME_FIELDS = ["relief_percent", "pain_before", "pain_after"]


@transaction.atomic
def appointment_record_outcome(
    *,
    appointment: Appointment,
    acting_user: Actor,
    relief_percent: int | None = None,
    pain_before: int | None = None,
    pain_after: int | None = None,
) -> Appointment:
    """Relief as a percentage, or computed from 0-10 scores. A correction is audited too."""
    locked = lock_appointment(appointment)
    if locked.status != Status.COMPLETED:
        status = locked.get_status_display().lower()
        raise InvalidTransition(f"Relief is recorded once the case is completed; it is {status}.")
    relief_percent = _relief(relief_percent, pain_before, pain_after)
    before = audit.snapshot(locked, OUTCOME_FIELDS)
    locked.relief_percent, locked.pain_before, locked.pain_after = (
        relief_percent,
        pain_before,
        pain_after,
    )
    locked.outcome_recorded_at = timezone.now()
    locked.outcome_recorded_by = as_user(acting_user)
    locked.save(
        update_fields=[*OUTCOME_FIELDS, "outcome_recorded_at", "outcome_recorded_by", "updated_at"]
    )
    audit.record(
        actor=acting_user,
        action="appointment.outcome",
        instance=locked,
        changes=audit.diff(before, audit.snapshot(locked, OUTCOME_FIELDS)),
    )
    # Its relief may be what a booked repeat waits for (or what now refuses it).
    recheck_after_commit(locked.patient_id)
    return locked


def _relief(relief_percent: int | None, pain_before: int | None, pain_after: int | None) -> int:
    if relief_percent is not None:
        return relief_percent
    if pain_before is None or pain_after is None:
        raise ValueError("Give relief_percent, or both pain_before and pain_after.")
    return relief_from_scores(pain_before, pain_after)


@transaction.atomic
def appointment_record_follow_up(
    *,
    appointment: Appointment,
    assessed_on: dt.date,
    acting_user: Actor,
    relief_percent: int | None = None,
    pain_before: int | None = None,
    pain_after: int | None = None,
) -> FollowUp:
    """Relief assessed on a later day than the case: what proves how long relief lasted."""
    locked = lock_appointment(appointment)
    if locked.status != Status.COMPLETED:
        status = locked.get_status_display().lower()
        raise InvalidTransition(
            f"A follow-up is recorded once the case is completed; it is {status}."
        )
    case_day = local_date(locked.start)
    if assessed_on <= case_day:
        raise ValidationError(
            {"assessed_on": [f"A follow-up is a day after the case ({case_day:%a %d %b %Y})."]}
        )
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": ["A follow-up cannot be dated in the future."]})
    follow_up = FollowUp.objects.create(
        appointment=locked,
        assessed_on=assessed_on,
        relief_percent=_relief(relief_percent, pain_before, pain_after),
        pain_before=pain_before if relief_percent is None else None,
        pain_after=pain_after if relief_percent is None else None,
        recorded_by=as_user(acting_user),
    )
    audit.record(
        actor=acting_user,
        action="appointment.follow_up",
        instance=locked,
        changes={
            "follow_up": follow_up.pk,
            "assessed_on": assessed_on.isoformat(),
            "relief_percent": follow_up.relief_percent,
        },
    )
    recheck_after_commit(locked.patient_id)
    return follow_up
