"""Putting a patient on the waitlist, taking them off, and closing entries a booking fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Patient, Provider
from clinic.users import as_user
from procedures.models import ProcedureType
from scheduling.errors import InvalidTransition
from scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
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
) -> WaitlistEntry:
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
        },
    )
    return entry


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
    return WaitlistEntry.objects.filter(
        patient_id=appointment.patient_id,
        procedure_type_id=appointment.procedure_type_id,
        region=appointment.region,
        status=WaitlistStatus.WAITING,
    ).update(status=WaitlistStatus.BOOKED, booked_appointment=appointment, closed_at=timezone.now())
