"""The demo's waitlist: three patients waiting for an earlier epidural, and a cancelled
epidural whose time they fit, so the desk opens on "3 eligible waiting patients".

Everything goes through the services: the entries through `waitlist_add`, the case through a
slot search and `appointment_book`, its cancellation (which matches the freed time against
the waitlist) through `appointment_cancel`. Found by its patients' MRNs, it is made once.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic import services as clinic_services
from clinic.models import Patient
from procedures.models import ProcedureType
from scheduling import services
from scheduling.demo.clinic import DemoClinic
from scheduling.demo.people import email_for, mrn, phone_for
from scheduling.models import CancelCause, WaitlistEntry
from scheduling.slots import SlotQuery, find_slots
from scheduling.waitlist.entries import waitlist_add

# (number, first, last, days waited); numbers far above the stories' and regulars'.
WAITING = ((390, "Grace", "Holloway", 12), (391, "Tomas", "Reyes", 6), (392, "Mina", "Park", 2))
CANCELLING = (393, "Peter", "Lang")
PROCEDURE = "ESI_IL"


def _register(clinic: DemoClinic, number: int, first: str, last: str) -> Patient:
    return clinic_services.patient_create(
        acting_user=clinic.scheduler,
        mrn=mrn(number),
        first_name=first,
        last_name=last,
        birth_date=dt.date(1958 + number % 20, 1 + number % 12, 1 + number % 27),
        phone=phone_for(number),
        email=email_for(first, last),
        preferred_channel=Patient.Channel.SMS if number % 2 else Patient.Channel.EMAIL,
    )


def seed_waitlist(clinic: DemoClinic) -> str | None:
    """Make the scene unless it is there; a refusal comes back as a sentence, not raised."""
    if Patient.objects.filter(mrn=mrn(CANCELLING[0])).exists():
        return None
    today = timezone.localdate()
    procedure = ProcedureType.objects.get(code=PROCEDURE)
    for number, first, last, waited in WAITING:
        entry = waitlist_add(
            patient=_register(clinic, number, first, last),
            procedure_type=procedure,
            region="lumbar",
            side="right",
            earliest=today,
            latest=today + dt.timedelta(days=28),
            acting_user=clinic.scheduler,
        )
        # Time waited orders the offers: as if they had been added over the last fortnight.
        WaitlistEntry.objects.filter(pk=entry.pk).update(
            created_at=entry.created_at - dt.timedelta(days=waited)
        )
    patient = _register(clinic, *CANCELLING)
    # A few days out: past any hold a waiting patient might need, inside their window.
    after = timezone.now() + dt.timedelta(days=4)
    query = SlotQuery(procedure, after, limit=1, patient=patient, region="lumbar", side="left")
    found = find_slots(query)
    if not found:
        return f"No slot for the waitlist scene's epidural from {after:%d %b}."
    slot = found[0]
    case = services.appointment_book(
        patient=patient,
        procedure_type=procedure,
        region="lumbar",
        side="left",
        provider=slot.provider,
        room=slot.room,
        start=slot.start,
        acting_user=clinic.scheduler,
    )
    services.appointment_cancel(
        appointment=case,
        reason="Asked for a date after his holiday.",
        cause=CancelCause.PATIENT_REQUEST,
        acting_user=clinic.scheduler,
    )
    return None
