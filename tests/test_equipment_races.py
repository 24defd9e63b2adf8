"""Twenty desks book twenty ablations at one start: twenty patients, twenty providers, twenty
free fluoroscopy rooms, and one RF generator between them. Exactly one is booked.

Real threads, each with its own database connection, released together at a barrier, each
going through the whole API. On PostgreSQL the exclusion constraint on the case's unit
refuses the losers that checked before the winner committed; on SQLite the booking's
immediate transaction makes each check wait for the write before it.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from clinic.models import Equipment
from scheduling.models import Appointment
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.reminder_helpers import blocks_for_ablation
from tests.scheduling_helpers import local, working_week

NOW = local(2026, 11, 18, 10, 0)
START = local(2026, 11, 19, 11, 0)
DESKS = 20
pytestmark = [
    pytest.mark.race,
    # serialized_rollback: the flush between transactional tests would take the catalog too.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW),
]


def bodies() -> list[dict[str, Any]]:
    """One ablation request per desk, each with its own patient, provider and room."""
    found = []
    for desk in range(DESKS):
        patient = PatientFactory()
        blocks_for_ablation(patient)
        provider = ProviderFactory()
        working_week(provider, dt.time(8), dt.time(17))
        room = RoomFactory(name=f"Ablation room {desk}", fluoroscopy=True)
        found.append(
            {
                "patient": patient.pk,
                "procedure_type": "RFA",
                "region": "lumbar",
                "side": "right",
                "provider": provider.pk,
                "room": room.pk,
                "start": START.isoformat(),
            }
        )
    return found


def all_at_once(token: str, requests: list[dict[str, Any]]) -> list[tuple[int, dict]]:
    """POST each booking from its own thread, released together: (status, body) of each."""
    gate = threading.Barrier(len(requests))

    def desk(body: dict[str, Any]) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            gate.wait(timeout=30)
            answer = client.post("/api/appointments/", body, format="json")
            return answer.status_code, answer.json()
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(desk, requests))


def test_twenty_ablations_at_one_start_on_one_generator_give_one_case(make_staff):
    token = issue_token(make_staff("scheduler"))[1]
    requests = bodies()
    assert Equipment.objects.count() == 1  # every room is at Main campus, with its one unit

    answers = all_at_once(token, requests)

    assert Counter(status for status, _ in answers) == Counter({201: 1, 409: DESKS - 1})
    refusals = [body for status, body in answers if status == 409]
    assert {body["code"] for body in refusals} == {"slot_unavailable"}
    # Each loser is told in words; whichever check stopped it, none is a 500.
    assert all(body["detail"] for body in refusals)
    [case] = Appointment.objects.all()
    assert case.equipment == Equipment.objects.get()
    assert case.start == START


def test_with_two_generators_two_of_twenty_ablations_get_through_at_most(make_staff):
    """A second unit serves a second case; a desk that lost the race for the first unit may
    still lose to another desk for the second, never more than two cases at once."""
    token = issue_token(make_staff("scheduler"))[1]
    requests = bodies()
    site = Equipment.objects.get().site
    Equipment.objects.create(site=site, kind=Equipment.objects.get().kind, name="RF generator 2")

    answers = all_at_once(token, requests)

    statuses = Counter(status for status, _ in answers)
    assert set(statuses) <= {201, 409} and 1 <= statuses[201] <= 2, statuses
    cases = list(Appointment.objects.all())
    assert len(cases) == statuses[201]
    assert len({case.equipment_id for case in cases}) == len(cases)
