"""Building blocks for scheduling tests: a small clinic with known hours, dates in it, and
cases booked in it through the real services (or posted to the API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from clinic.models import Patient, Provider, Room
from procedures.models import ProcedureType
from scheduling import services
from scheduling.models import Appointment, WorkingHours
from tests.factories import PatientFactory, ProviderFactory, RoomFactory


def zone() -> ZoneInfo:
    return ZoneInfo(settings.CLINIC_TIME_ZONE)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime on the clinic's clock."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone())


@dataclass
class SmallClinic:
    chen: Provider
    ortiz: Provider
    suite1: Room
    suite2: Room
    exam: Room

    @staticmethod
    def procedure(code: str) -> ProcedureType:
        return ProcedureType.objects.get(code=code)


def working_week(provider: Provider, start: dt.time, end: dt.time, days: range = range(5)) -> None:
    for weekday in days:
        WorkingHours.objects.create(
            provider=provider, weekday=weekday, start_time=start, end_time=end
        )


def make_small_clinic() -> SmallClinic:
    """Two providers Monday-Friday 08:00-17:00, two fluoroscopy suites and an exam room."""
    chen = ProviderFactory(name="Dr. Chen")
    ortiz = ProviderFactory(name="Dr. Ortiz")
    for provider in (chen, ortiz):
        working_week(provider, dt.time(8), dt.time(17))
    return SmallClinic(
        chen=chen,
        ortiz=ortiz,
        suite1=RoomFactory(name="Suite 1", fluoroscopy=True),
        suite2=RoomFactory(name="Suite 2", fluoroscopy=True),
        exam=RoomFactory(name="Exam 1", fluoroscopy=False),
    )


def booking_body(
    clinic: SmallClinic, patient_id: int, start: dt.datetime, **overrides: object
) -> dict:
    body = {
        "patient": patient_id,
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
        "provider": clinic.chen.pk,
        "room": clinic.suite1.pk,
        "start": start.isoformat(),
    }
    body.update(overrides)
    return body


def post_booking(
    api: Any, clinic: SmallClinic, patient: Patient, start: dt.datetime, **overrides: object
):
    """Book through the API (`POST /api/appointments/`) as a client would; returns the response."""
    return api.post("/api/appointments/", booking_body(clinic, patient.pk, start, **overrides))


def book_case(
    clinic: SmallClinic,
    *,
    start: dt.datetime,
    patient: Patient | None = None,
    code: str = "MBB",
    region: str = "lumbar",
    side: str = "right",
    provider: Provider | None = None,
    room: Room | None = None,
    sedation: bool | None = None,
    acting_user: AbstractBaseUser | None = None,
) -> Appointment:
    """A case booked through the real service, as the desk would.

    Unless told otherwise: a medial branch block, lumbar right, with Dr. Chen in Suite 1, for a
    fresh patient, by nobody signed in, with the catalog's sedation default.
    """
    return services.appointment_book(
        patient=patient if patient is not None else PatientFactory(),
        procedure_type=clinic.procedure(code),
        region=region,
        side=side,
        provider=provider if provider is not None else clinic.chen,
        room=room if room is not None else clinic.suite1,
        start=start,
        acting_user=acting_user,
        sedation=sedation,
    )


def case_done_here(
    clinic: SmallClinic,
    *,
    patient: Patient,
    start: dt.datetime,
    relief: int,
    booked_ahead: dt.timedelta = dt.timedelta(hours=1),
    **place: Any,
) -> Appointment:
    """A case booked an hour (or `booked_ahead`) before its start, then checked in (the
    checklist overridden: it is not the point), completed and its relief recorded with the
    clock at its start. A contrast-allergic patient's contrast case needs the premedication
    lead (14 hours) ahead."""
    with time_machine.travel(start - booked_ahead, tick=False):
        case = book_case(clinic, patient=patient, start=start, **place)
    with time_machine.travel(start, tick=False):
        services.appointment_check_in(
            appointment=case, acting_user=None, override_reason="Checked on paper"
        )
        services.appointment_complete(appointment=case, acting_user=None)
        services.appointment_record_outcome(
            appointment=case, acting_user=None, relief_percent=relief
        )
    return case
