"""`GET /api/audit/` for managers, and an audit table that cannot be edited: events are
appended only, keep the actor's name after the user is deleted, and name their patients."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from clinic import audit
from clinic.models import AuditEvent, AuditKind
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


def event(**fields) -> AuditEvent:
    values = {"kind": AuditKind.READ, "action": "read.test", "object_type": "path"}
    return AuditEvent.objects.create(**{**values, **fields})


def test_managers_read_the_trail_newest_first_in_the_documented_shape(manager_api):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        event(actor_username="nina", object_id="/patients/7/", patients=[7], ip="10.0.0.2")
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), tick=False):
        event(actor_username="sam", object_id="/desk/", patients=[7, 8])

    response = manager_api.get("/api/audit/", {"kind": "read"})

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["actor"] for r in rows] == ["sam", "nina"]
    assert set(rows[0]) >= {"at", "actor", "kind", "action", "object", "patient", "ip"}
    assert rows[1] | {"at": None} == rows[1] | {
        "at": None,
        "actor": "nina",
        "kind": "read",
        "action": "read.test",
        "object": "/patients/7/",
        "patient": 7,
        "patients": [7],
        "ip": "10.0.0.2",
    }
    assert rows[0]["patient"] is None  # a list names several
    assert rows[0]["patients"] == [7, 8]


def test_the_trail_filters_by_patient_actor_kind_and_since(manager_api):
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), tick=False):
        event(actor_username="nina", patients=[7], object_id="old")
    with time_machine.travel(dt.datetime(2026, 12, 1, 15, tzinfo=dt.UTC), tick=False):
        event(actor_username="nina", patients=[17, 70], object_id="list")
        event(actor_username="sam", patients=[7], object_id="sams", kind=AuditKind.WRITE)
        event(actor_username="nina", patients=[], object_id="none", kind=AuditKind.AUTH)

    def objects(**query) -> list[str]:
        response = manager_api.get("/api/audit/", query)
        assert response.status_code == 200, response.content
        return [row["object"] for row in response.json()["results"]]

    # Patient 7 only, not 17 or 70: the list is searched by value, not as text.
    assert objects(patient=7) == ["sams", "old"]
    assert objects(patient=70) == ["list"]
    assert objects(actor="nina") == ["none", "list", "old"]
    assert objects(kind="write") == ["sams"]
    assert objects(since="2026-12-01", actor="nina", kind="read") == ["list"]
    # 09:59 in New York is 14:59 UTC, one minute before "sams".
    assert objects(since="2026-12-01T09:59:00-05:00", patient=7) == ["sams"]


def test_a_write_is_shown_as_the_row_it_touched(manager_api):
    AuditEvent.objects.create(
        action="appointment.book", object_type="scheduling.appointment", object_id="12"
    )

    row = manager_api.get("/api/audit/").json()["results"][0]

    assert (row["kind"], row["object"]) == ("write", "scheduling.appointment:12")


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "delete"},
        {"patient": "seven"},
        {"patient": "0"},
        {"patient": str(2**64)},
        {"since": "yesterday"},
        {"since": "0001-01-01"},
        {"since": "9999-12-31"},
    ],
)
def test_a_bad_filter_is_a_400_on_its_field(manager_api, query):
    response = manager_api.get("/api/audit/", query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


@pytest.mark.parametrize("role", ["scheduler", "nurse", None])
def test_only_managers_read_the_trail(api_as, role):
    response = api_as(role).get("/api/audit/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_the_trail_pages_by_cursor_and_skips_nothing(manager_api):
    for n in range(7):
        event(object_id=f"/p/{n}/")

    seen, url = [], "/api/audit/?limit=3"
    while url:
        page = manager_api.get(url).json()
        seen += [row["object"] for row in page["results"]]
        url = page["next"]

    assert seen == [f"/p/{n}/" for n in reversed(range(7))]


def test_a_write_names_its_patient_and_copies_the_actors_username(make_staff):
    patient = PatientFactory()
    user = make_staff("scheduler", username="sam")

    written = audit.record(actor=user, action="patient.test", instance=patient)

    assert written.kind == AuditKind.WRITE
    assert written.actor_username == "sam"
    assert written.patients == [patient.pk]


def test_deleting_a_user_keeps_their_events_and_their_name(make_staff):
    user = make_staff("nurse", username="nina")
    kept = event(actor=user, actor_username="nina", patients=[3])

    get_user_model().objects.filter(pk=user.pk).delete()

    kept.refresh_from_db()
    assert kept.actor_username == "nina"
    assert kept.actor_id == user.pk  # the id is kept too, though the row is gone


@ON_POSTGRES
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE clinic_auditevent SET reason = 'covered up' WHERE id = %s",
        "DELETE FROM clinic_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_postgresql_refuses_to_change_or_delete_an_event(statement):
    kept = event(reason="as it was")

    with (
        pytest.raises(DatabaseError, match="cannot be changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [kept.pk])

    kept.refresh_from_db()
    assert kept.reason == "as it was"


@ON_POSTGRES
def test_the_orm_cannot_delete_events_either():
    event()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 1
