"""Waitlist rows for tests: a patient waiting for an earlier epidural, and a freed time."""

from __future__ import annotations

import datetime as dt

from clinic.models import Patient
from scheduling.models import Appointment, FreedReason, FreedSlot, WaitlistEntry
from scheduling.waitlist.entries import waitlist_add
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic


def wait_for_epidural(
    clinic: SmallClinic,
    *,
    earliest: dt.date,
    latest: dt.date,
    patient: Patient | None = None,
    side: str = "right",
    **fields: object,
) -> WaitlistEntry:
    """An interlaminar epidural, lumbar, put on the waitlist through the service."""
    return waitlist_add(
        patient=patient or PatientFactory(),
        procedure_type=clinic.procedure("ESI_IL"),
        region="lumbar",
        side=side,
        earliest=earliest,
        latest=latest,
        acting_user=None,
        **fields,  # type: ignore[arg-type]
    )


def freed_by_a_move(case: Appointment) -> FreedSlot:
    """The time a case would leave if moved, as a row (for tests that need one to exist
    whatever the waitlist policy or the clock say)."""
    return FreedSlot.objects.create(
        appointment=case,
        reason=FreedReason.MOVED,
        start=case.start,
        end=case.end,
        provider=case.provider,
        room=case.room,
    )
