"""Putting a patient on the waitlist, taking them off, and closing entries a booking fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clinic import audit
from clinic.models import Patient, Provider
from clinic.users import as_user
from procedures.models import ProcedureType
from scheduling.availability import local_date
from scheduling.errors import InvalidTransition
from scheduling.models import Appointment, Status, WaitlistEntry, WaitlistStatus
from scheduling.waitlist.errors import InvalidWindow

Actor = AbstractBaseUser | None


@transaction.atomic
def waitlist_add(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    earliest: dt.date,
    latest: dt.date,
    acting_user: Actor,
    levels: Iterable[str] = (),
    preferred_providers: Iterable[Provider] = (),
    sedation: bool | None = None,
    note: str = "",
    appointment: Appointment | None = None,
) -> WaitlistEntry:
    """Put a patient on the waitlist; with `appointment`, their booked case that a freed slot
    would move earlier (its procedure, region, side and levels are the entry's)."""
    if appointment is not None:
        # As the database has it now, not as the caller read it.
        appointment = Appointment.objects.select_related("procedure_type").get(pk=appointment.pk)
        _check_case_to_move(appointment, patient, latest)
        procedure_type, region, side = (
            appointment.procedure_type,
            appointment.region,
            appointment.side,
        )
        levels, sedation = appointment.levels or (), appointment.sedation
    if latest < earliest:
        raise InvalidWindow(
            f"The window ends ({latest:%d %b %Y}) before it starts ({earliest:%d %b %Y}); "
            "give the earliest date first."
        )
    if latest < timezone.localdate():
        raise InvalidWindow(
            f"The window ended on {latest:%d %b %Y}; a waitlist window must reach today or later."
        )
    entry = WaitlistEntry.objects.create(
        patient=patient,
        appointment=appointment,
        procedure_type=procedure_type,
        region=region,
        side=side,
        levels=list(levels),
        sedation=sedation,
        earliest=earliest,
        latest=latest,
        note=note,
        created_by=as_user(acting_user),
    )
    providers = list(preferred_providers)
    entry.preferred_providers.set(providers)
    audit.record(
        actor=acting_user,
        action="waitlist.add",
        instance=entry,
        changes={
            "procedure_type": procedure_type.code,
            "region": region,
            "side": side,
            "levels": list(levels),
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
            "preferred_providers": [p.pk for p in providers],
            "appointment": appointment.pk if appointment else None,
        },
    )
    return entry


def _check_case_to_move(case: Appointment, patient: Patient, latest: dt.date) -> None:
    if case.patient_id != patient.pk:
        raise InvalidTransition("That case is another patient's: it cannot move for this one.")
    if case.status != Status.SCHEDULED:
        raise InvalidTransition(
            f"That case is {case.get_status_display().lower()}: only a booked case can be "
            "moved earlier from the waitlist."
        )
    day = local_date(case.start)
    if latest >= day:
        raise InvalidWindow(
            f"The case is booked on {day:%d %b %Y}; the waitlist window must end before "
            f"that day (the latest date {latest:%d %b %Y} does not)."
        )


@transaction.atomic
def waitlist_remove(*, entry: WaitlistEntry, acting_user: Actor, reason: str = "") -> WaitlistEntry:
    locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != WaitlistStatus.WAITING:
        raise InvalidTransition(
            f"This waitlist entry is already closed ({locked.get_status_display().lower()})."
        )
    locked.status = WaitlistStatus.REMOVED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=acting_user,
        action="waitlist.remove",
        instance=locked,
        changes={"status": [WaitlistStatus.WAITING.value, WaitlistStatus.REMOVED.value]},
        reason=reason,
    )
    return locked


def close_for_booking(appointment: Appointment) -> int:
    """Close the patient's waiting entries this booking fills (same procedure and region), in
    the booking's transaction; the number closed."""
    return close_booked(
        WaitlistEntry.objects.filter(
            patient_id=appointment.patient_id,
            procedure_type_id=appointment.procedure_type_id,
            region=appointment.region,
        ),
        appointment,
    )


def close_booked(entries: QuerySet[WaitlistEntry], appointment: Appointment) -> int:
    """Close the waiting ones of these entries as filled by `appointment`; the number closed."""
    return entries.filter(status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.BOOKED, booked_appointment=appointment, closed_at=timezone.now()
    )
