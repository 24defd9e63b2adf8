"""Twenty desks at once: real threads, real database connections, exactly one winner.

Each thread has its own connection (Django's are per thread), waits at a barrier so the
requests really overlap, and goes through the whole API: authentication, the service,
the patient lock and, on PostgreSQL, the exclusion constraints.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from procedures.models import ProcedureHistory
from scheduling.models import Appointment, Status
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import (
    book_case,
    booking_body,
    local,
    make_small_clinic,
    working_week,
)

# serialized_rollback: a transactional test flushes the tables, catalog included; this puts
# the migrations' reference rows back for each test.
NOW = local(2026, 11, 18, 10, 0)
pytestmark = [
    pytest.mark.race,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW),
]
SLOT = local(2026, 11, 19, 11, 0)
WORKERS = 20


@pytest.fixture
def token(make_staff) -> str:
    return issue_token(make_staff("scheduler"))[1]


def race(token: str, requests: list[Callable[[APIClient], object]]) -> list[int]:
    """Run each request on its own thread, all released at once; return the status codes."""
    barrier = threading.Barrier(len(requests))

    def run(request: Callable[[APIClient], object]) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = request(client)
            return response.status_code  # type: ignore[attr-defined]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


def assert_one_winner(codes: list[int], winner: int = 201) -> None:
    assert Counter(codes) == Counter({winner: 1, 409: len(codes) - 1}), Counter(codes)


def test_twenty_bookings_for_one_slot_give_one_case_and_nineteen_clean_409s(token):
    clinic = make_small_clinic()
    patients = [PatientFactory() for _ in range(WORKERS)]

    def booking(patient_id: int) -> Callable[[APIClient], object]:
        body = booking_body(clinic, patient_id, SLOT)
        return lambda client: client.post("/api/appointments/", body, format="json")

    codes = race(token, [booking(p.pk) for p in patients])

    assert_one_winner(codes)
    assert Appointment.objects.filter(start=SLOT, status=Status.SCHEDULED).count() == 1


def test_twenty_bookings_for_one_patient_in_twenty_rooms_give_one_case(token):
    patient = PatientFactory()
    places = []
    for index in range(WORKERS):
        provider = ProviderFactory()
        working_week(provider, dt.time(8), dt.time(17))
        places.append((provider, RoomFactory(name=f"Race room {index}")))

    def booking(provider_id: int, room_id: int) -> Callable[[APIClient], object]:
        body = {
            "patient": patient.pk,
            "procedure_type": "ESI_TF",
            "region": "lumbar",
            "side": "left",
            "provider": provider_id,
            "room": room_id,
            "start": SLOT.isoformat(),
        }
        return lambda client: client.post("/api/appointments/", body, format="json")

    codes = race(token, [booking(p.pk, r.pk) for p, r in places])

    assert_one_winner(codes)
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_a_reschedule_racing_nineteen_new_bookings_for_the_same_slot_has_one_winner(token):
    clinic = make_small_clinic()
    moving = book_case(clinic, start=local(2026, 11, 19, 9, 0), side="left")
    newcomers = [PatientFactory() for _ in range(WORKERS - 1)]

    def reschedule(client: APIClient) -> object:
        return client.post(
            f"/api/appointments/{moving.pk}/reschedule/", {"start": SLOT.isoformat()}, format="json"
        )

    def booking(patient_id: int) -> Callable[[APIClient], object]:
        body = booking_body(clinic, patient_id, SLOT)
        return lambda client: client.post("/api/appointments/", body, format="json")

    requests = [booking(p.pk) for p in newcomers]
    requests.insert(WORKERS // 2, reschedule)
    codes = race(token, requests)

    successes = [c for c in codes if c in (200, 201)]
    assert len(successes) == 1, Counter(codes)
    assert codes.count(409) == WORKERS - 1
    at_slot = Appointment.objects.filter(start=SLOT, status=Status.SCHEDULED)
    assert at_slot.count() == 1
    moving.refresh_from_db()
    if codes[WORKERS // 2] == 200:
        assert at_slot.get() == moving
    else:
        assert moving.start == local(2026, 11, 19, 9, 0)


def test_two_bookings_racing_for_a_patients_last_epidural_leave_one_within_the_limit(token):
    """The patient's row lock: both desks count the history, but one after the other."""
    clinic = make_small_clinic()
    patient = PatientFactory()
    esi = clinic.procedure("ESI_TF")
    # Two lumbar epidurals in the last 183 days, both with good relief that lasted a month:
    # one more is allowed.
    for performed_on in (dt.date(2026, 8, 3), dt.date(2026, 10, 5)):
        ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=esi,
            region="lumbar",
            side="left",
            performed_on=performed_on,
            relief_percent=70,
            relief_duration_days=30,
        )
    # Different days, providers and rooms: only the other booking can stop the second (by the
    # frequency limit; the later date also by the earlier case's relief, still to come).
    places = [
        (clinic.chen, clinic.suite1, local(2026, 11, 23, 9, 0)),
        (clinic.ortiz, clinic.suite2, local(2026, 12, 14, 9, 0)),
    ]

    def booking(
        provider_id: int, room_id: int, start: dt.datetime
    ) -> Callable[[APIClient], object]:
        body = {
            "patient": patient.pk,
            "procedure_type": "ESI_TF",
            "region": "lumbar",
            "side": "left",
            "provider": provider_id,
            "room": room_id,
            "start": start.isoformat(),
        }
        return lambda client: client.post("/api/appointments/", body, format="json")

    codes = race(token, [booking(p.pk, r.pk, s) for p, r, s in places])

    assert sorted(codes) == [201, 422], codes
    assert Appointment.objects.filter(patient=patient).count() == 1
