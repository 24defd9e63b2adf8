"""Several desks submit the same unique value at once: one wins, the others get a field error.

Real threads with their own database connections against the real database. On PostgreSQL
a loser's checks can run before the winner commits, so it is the unique index that stops
it, and the service must turn that IntegrityError into a field error, not a 500. On SQLite
immediate transactions serialise the writers, so the loser's own full_clean() sees the
winner's row; that error must land on the same field.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from rest_framework.test import APIClient

from clinic import services
from clinic.api.tokens import issue_token
from clinic.models import AuditEvent, Patient, Room, Site
from tests.factories import PatientFactory, SiteFactory

# serialized_rollback: a transactional test flushes the tables, catalog included; this puts
# the migrations' reference rows back for each test.
pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKS = 10
NAME_TAKEN = {"name": [services.ROOM_NAME_TAKEN]}
# RoomSerializer's own check, which answers first when the winner has committed before a
# loser's request is validated. It is DRF's unique-together validator, reported for the
# pair; moving it onto `name` too is a change to clinic/api/serializers.py.
PAIR_TAKEN_BY_SERIALIZER = {"non_field_errors": ["The fields site, name must make a unique set."]}


def race(token: str, requests: list[Callable[[APIClient], object]]) -> list[tuple[int, dict]]:
    """Run each request on its own thread, all released at once; return (status, body)."""
    barrier = threading.Barrier(len(requests))

    def run(request: Callable[[APIClient], object]) -> tuple[int, dict]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = request(client)
            return response.status_code, response.json()  # type: ignore[attr-defined]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(run, requests))


def losers(results: list[tuple[int, dict]], winner: int) -> list[dict]:
    codes = Counter(status for status, _ in results)
    assert codes == Counter({winner: 1, 400: DESKS - 1}), results
    return [body for status, body in results if status == 400]


def test_ten_managers_adding_the_same_room_at_once_get_one_room_and_nine_field_errors(
    make_staff,
):
    token = issue_token(make_staff("manager"))[1]
    SiteFactory(name="Main campus")
    body = {"name": "Fluoro 3", "site": "Main campus", "fluoroscopy": True}

    results = race(token, [lambda client: client.post("/api/rooms/", body, format="json")] * DESKS)

    for error in losers(results, winner=201):
        assert error in (NAME_TAKEN, PAIR_TAKEN_BY_SERIALIZER), error
    assert Room.objects.filter(name="Fluoro 3").count() == 1
    assert AuditEvent.objects.filter(action="room.create").count() == 1


def test_ten_patients_corrected_to_the_same_mrn_at_once_give_one_change_and_nine_mrn_errors(
    make_staff,
):
    token = issue_token(make_staff("scheduler"))[1]
    patients = [PatientFactory() for _ in range(DESKS)]

    def correction(patient_id: int) -> Callable[[APIClient], object]:
        url = f"/api/patients/{patient_id}/"
        return lambda client: client.patch(url, {"mrn": "MRN-TAKEN"}, format="json")

    results = race(token, [correction(p.pk) for p in patients])

    for error in losers(results, winner=200):
        assert list(error) == ["mrn"], error
    assert Patient.objects.filter(mrn="MRN-TAKEN").count() == 1
    assert AuditEvent.objects.filter(action="patient.update").count() == 1


# --- The same races, with the interleaving pinned -------------------------------------------
#
# Ten threads usually, not always, hit the window in which the rival is written but not yet
# committed. Here one transaction writes and stays open until the other desk's service call
# is waiting on it, so the late check (the unique index on PostgreSQL, the loser's own
# full_clean() on SQLite) is exercised every time.


def _wait_until_blocked_on_a_lock() -> None:
    """Return once another connection waits for a row lock (PostgreSQL), or after a moment."""
    if connection.vendor != "postgresql":
        # SQLite: the second writer waits at BEGIN IMMEDIATE, which nothing reports. Either
        # way it sees the committed rival in full_clean(), the path these tests check there.
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second desk never waited for the first one's row")


def while_uncommitted(rival: Callable[[], object], late: Callable[[], object]) -> dict:
    """Run `rival` in an open transaction, then `late`; commit once `late` waits on it.

    Returns the late call's field errors ({} when it succeeded).
    """
    written = threading.Event()
    commit = threading.Event()

    def first() -> None:
        try:
            with transaction.atomic():
                rival()
                written.set()
                assert commit.wait(timeout=15), "the test never let the rival commit"
        finally:
            written.set()
            connection.close()

    def second() -> dict:
        try:
            assert written.wait(timeout=15)
            late()
            return {}
        except ValidationError as error:
            return error.message_dict
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        rival_done = pool.submit(first)
        late_done = pool.submit(second)
        assert written.wait(timeout=15)
        try:
            _wait_until_blocked_on_a_lock()
        finally:
            commit.set()
        rival_done.result(timeout=30)
        return late_done.result(timeout=30)


def test_a_room_added_while_the_same_room_is_being_added_is_a_name_error_not_a_500():
    site = SiteFactory(name="Main campus")

    def add_room() -> None:
        services.room_create(acting_user=None, site=Site.objects.get(pk=site.pk), name="X-ray 1")

    errors = while_uncommitted(add_room, add_room)

    assert errors == NAME_TAKEN
    assert Room.objects.filter(name="X-ray 1").count() == 1


def test_an_mrn_corrected_to_one_another_patient_is_taking_right_now_is_an_mrn_error():
    first, second = PatientFactory(), PatientFactory()

    def correct(patient: Patient) -> Callable[[], object]:
        return lambda: services.patient_update(patient=patient, acting_user=None, mrn="MRN-NEW")

    errors = while_uncommitted(correct(first), correct(second))

    assert list(errors) == ["mrn"]
    assert errors["mrn"][0].endswith("already exists.")
    assert Patient.objects.get(mrn="MRN-NEW") == first
    assert Patient.objects.get(pk=second.pk).mrn == second.mrn
