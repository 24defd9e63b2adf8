"""Building blocks for scheduling tests: a small clinic with known hours, and dates in it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from clinic.models import Provider, Room
from procedures.models import ProcedureType
from scheduling.models import WorkingHours
from tests.factories import ProviderFactory, RoomFactory


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
