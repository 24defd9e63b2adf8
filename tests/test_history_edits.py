"""How long relief lasted, on history entries: entered with the entry or added later by a PATCH.

Payers ask how long relief lasted before a repeat (DOMAIN.md, "relief that lasts"); for a
procedure done elsewhere that news often comes after the entry, so a nurse edits it in. Every
edit is audited with the values before and after; a refused one writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent, AuditKind
from procedures.models import ProcedureHistory
from tests.factories import PatientFactory
from tests.scheduling_helpers import local

TODAY = dt.date(2027, 4, 6)
pytestmark = pytest.mark.clock_at(local(2027, 4, 6, 10, 0))

DONE_ON = TODAY - dt.timedelta(days=300)  # 2026-06-10: room for durations up to 300 days


@pytest.fixture
def patient(db):
    return PatientFactory()


def enter(api, patient, on=DONE_ON, **extra):
    body = {
        "procedure_type": "RFA",
        "region": "lumbar",
        "side": "left",
        "performed_on": str(on),
        **extra,
    }
    response = api.post(f"/api/patients/{patient.pk}/history/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def url(patient, entry) -> str:
    return f"/api/patients/{patient.pk}/history/{entry['id']}/"


def stored(entry) -> tuple[int | None, int | None]:
    row = ProcedureHistory.objects.get(pk=entry["id"])
    return row.relief_percent, row.relief_duration_days


def edits() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="history.edit").order_by("id"))


# --- Entering the duration with the entry ------------------------------------------------------


def test_an_entry_with_a_duration_keeps_it_and_shows_it(patient, nurse_api):
    created = enter(nurse_api, patient, relief_percent=80, relief_duration_days=200)

    assert (created["relief_percent"], created["relief_duration_days"]) == (80, 200)
    assert stored(created) == (80, 200)
    [row] = nurse_api.get(f"/api/patients/{patient.pk}/history/").json()
    assert row["relief_duration_days"] == 200
    added = AuditEvent.objects.get(action="history.add")
    assert added.changes["relief_duration_days"] == 200


def test_an_entry_without_a_duration_has_it_unknown(patient, nurse_api):
    created = enter(nurse_api, patient, relief_percent=80)

    assert created["relief_duration_days"] is None
    assert stored(created) == (80, None)


def test_a_duration_reaching_past_today_is_refused_on_entry(patient, nurse_api):
    body = {
        "procedure_type": "RFA",
        "region": "lumbar",
        "side": "left",
        "performed_on": str(TODAY - dt.timedelta(days=10)),
        "relief_duration_days": 11,
    }

    response = nurse_api.post(f"/api/patients/{patient.pk}/history/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["relief_duration_days"]
    assert not ProcedureHistory.objects.exists()
    assert not AuditEvent.objects.filter(action="history.add").exists()


@pytest.mark.parametrize("days", [-1, 3651, "long", "1\x00", 1.5, True, [], 10**30])
def test_a_bad_duration_on_entry_is_a_400_on_that_field(patient, nurse_api, days):
    body = {
        "procedure_type": "RFA",
        "region": "lumbar",
        "side": "left",
        "performed_on": str(DONE_ON),
        "relief_duration_days": days,
    }

    response = nurse_api.post(f"/api/patients/{patient.pk}/history/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["relief_duration_days"]
    assert not ProcedureHistory.objects.exists()


# --- Editing an entry --------------------------------------------------------------------------


def test_a_nurse_adds_the_duration_later_and_the_edit_is_audited(patient, nurse_api):
    entry = enter(nurse_api, patient, relief_percent=80)

    response = nurse_api.patch(url(patient, entry), {"relief_duration_days": 200}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["patient"], body["procedure_type"]) == (entry["id"], patient.pk, "RFA")
    assert (body["relief_percent"], body["relief_duration_days"]) == (80, 200)
    assert stored(entry) == (80, 200)
    [event] = edits()
    assert event.kind == AuditKind.WRITE
    assert (event.actor, event.object_type, event.object_id) == (
        nurse_api.user,
        "procedures.procedurehistory",
        str(entry["id"]),
    )
    assert event.patients == [patient.pk]
    assert event.changes == {"patient": patient.pk, "relief_duration_days": [None, 200]}


def test_relief_is_corrected_alone_and_the_duration_is_left_as_it_was(patient, manager_api):
    entry = enter(manager_api, patient, relief_percent=80, relief_duration_days=120)

    response = manager_api.patch(url(patient, entry), {"relief_percent": 60}, format="json")

    assert response.status_code == 200, response.content
    assert stored(entry) == (60, 120)
    [event] = edits()
    assert event.changes == {"patient": patient.pk, "relief_percent": [80, 60]}


def test_both_change_at_once_in_one_event(patient, nurse_api):
    entry = enter(nurse_api, patient)

    response = nurse_api.patch(
        url(patient, entry), {"relief_percent": 90, "relief_duration_days": 0}, format="json"
    )

    assert response.status_code == 200, response.content
    assert stored(entry) == (90, 0)
    [event] = edits()
    assert event.changes == {
        "patient": patient.pk,
        "relief_percent": [None, 90],
        "relief_duration_days": [None, 0],
    }


def test_null_sets_a_value_back_to_unknown(patient, nurse_api):
    entry = enter(nurse_api, patient, relief_percent=80, relief_duration_days=200)

    response = nurse_api.patch(
        url(patient, entry), {"relief_percent": None, "relief_duration_days": None}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["relief_percent"], response.json()["relief_duration_days"]) == (
        None,
        None,
    )
    assert stored(entry) == (None, None)
    [event] = edits()
    assert event.changes["relief_duration_days"] == [200, None]
    assert event.changes["relief_percent"] == [80, None]


def test_sending_the_values_unchanged_writes_no_edit_but_a_read(patient, nurse_api):
    entry = enter(nurse_api, patient, relief_percent=80, relief_duration_days=200)

    same = nurse_api.patch(
        url(patient, entry), {"relief_percent": 80, "relief_duration_days": 200}, format="json"
    )
    empty = nurse_api.patch(url(patient, entry), {}, format="json")

    assert (same.status_code, empty.status_code) == (200, 200)
    assert empty.json()["relief_duration_days"] == 200
    assert edits() == []
    # The answer still showed the patient's entry: the trail says who saw it.
    reads = AuditEvent.objects.filter(kind=AuditKind.READ, action="read.patient-history-entry")
    assert [(r.actor, r.patients) for r in reads] == [(nurse_api.user, [patient.pk])] * 2
    assert "no-store" in empty["Cache-Control"]


def test_the_procedure_itself_is_not_edited(patient, nurse_api):
    entry = enter(nurse_api, patient, relief_percent=80)

    response = nurse_api.patch(
        url(patient, entry),
        {"procedure_type": "ESI_IL", "performed_on": "2026-01-01", "relief_duration_days": 30},
        format="json",
    )

    assert response.status_code == 200, response.content
    row = ProcedureHistory.objects.get(pk=entry["id"])
    assert (row.procedure_type.code, row.performed_on) == ("RFA", DONE_ON)
    assert row.relief_duration_days == 30


def test_an_edit_that_changed_something_is_audited_once_as_the_write(patient, nurse_api):
    entry = enter(nurse_api, patient)
    before = AuditEvent.objects.count()

    response = nurse_api.patch(url(patient, entry), {"relief_percent": 40}, format="json")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    # The write event names the patient; the read audit does not add a second event for it.
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("id").action == "history.edit"


# --- Refusals: nothing changes, nothing is audited ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"relief_duration_days": -1}, "relief_duration_days"),
        ({"relief_duration_days": 3651}, "relief_duration_days"),
        ({"relief_duration_days": "long"}, "relief_duration_days"),
        ({"relief_duration_days": "\x00"}, "relief_duration_days"),
        ({"relief_duration_days": 1.5}, "relief_duration_days"),
        ({"relief_duration_days": False}, "relief_duration_days"),
        ({"relief_duration_days": 301}, "relief_duration_days"),  # past today
        ({"relief_percent": -1}, "relief_percent"),
        ({"relief_percent": 101}, "relief_percent"),
        ({"relief_percent": "most"}, "relief_percent"),
        ({"relief_percent": "8\x000"}, "relief_percent"),
    ],
    ids=repr,
)
def test_a_bad_value_is_a_400_on_its_field_and_changes_nothing(patient, nurse_api, body, field):
    entry = enter(nurse_api, patient, relief_percent=80, relief_duration_days=200)

    # A valid change beside a bad one: the whole request is refused, the valid part too.
    beside = {} if field == "relief_percent" else {"relief_percent": 70}

    response = nurse_api.patch(url(patient, entry), {**beside, **body}, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert stored(entry) == (80, 200)
    assert edits() == []


def test_the_longest_duration_since_the_procedure_is_accepted(patient, nurse_api):
    entry = enter(nurse_api, patient)

    response = nurse_api.patch(url(patient, entry), {"relief_duration_days": 300}, format="json")

    assert response.status_code == 200, response.content
    assert stored(entry) == (None, 300)


def test_the_upper_bound_holds_for_a_procedure_long_ago(patient, nurse_api):
    entry = enter(nurse_api, patient, on=dt.date(2010, 1, 4))

    at_bound = nurse_api.patch(url(patient, entry), {"relief_duration_days": 3650}, format="json")
    past_it = nurse_api.patch(url(patient, entry), {"relief_duration_days": 3651}, format="json")

    assert at_bound.status_code == 200, at_bound.content
    assert past_it.status_code == 400
    assert stored(entry) == (None, 3650)


def test_an_entry_of_another_patient_is_a_404_and_untouched(patient, nurse_api):
    other = PatientFactory()
    theirs = enter(nurse_api, other, relief_percent=80)
    enter(nurse_api, patient)

    response = nurse_api.patch(
        f"/api/patients/{patient.pk}/history/{theirs['id']}/",
        {"relief_duration_days": 100},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert stored(theirs) == (80, None)
    assert edits() == []


@pytest.mark.parametrize("entry_id", ["424242", "99999999999999999999999"])
def test_an_unknown_entry_is_a_404(patient, nurse_api, entry_id):
    response = nurse_api.patch(
        f"/api/patients/{patient.pk}/history/{entry_id}/",
        {"relief_duration_days": 100},
        format="json",
    )

    assert response.status_code == 404
    assert edits() == []


# --- Who may edit -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("nurse", 200), ("manager", 200), ("scheduler", 403), (None, 403)],
    ids=["nurse", "manager", "scheduler", "no role"],
)
def test_nurses_and_managers_edit_history_and_others_are_refused(
    patient, api_as, nurse_api, role, status
):
    entry = enter(nurse_api, patient, relief_percent=80)

    response = api_as(role).patch(url(patient, entry), {"relief_duration_days": 90}, format="json")

    assert response.status_code == status, response.content
    if status == 403:
        assert response.json()["code"] == "permission_denied"
        assert stored(entry) == (80, None)
        assert edits() == []
    else:
        assert stored(entry) == (80, 90)
        assert len(edits()) == 1


def test_no_credentials_is_a_401_and_changes_nothing(patient, nurse_api, anon_api):
    entry = enter(nurse_api, patient, relief_percent=80)

    response = anon_api.patch(url(patient, entry), {"relief_duration_days": 90}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert stored(entry) == (80, None)
    assert edits() == []


def test_the_operation_is_described_in_the_schema(anon_api):
    schema = anon_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/patients/{id}/history/{entry_id}/"]["patch"]

    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    component = schema["components"]["schemas"][name]
    assert set(component["properties"]) == {"relief_percent", "relief_duration_days", "levels"}
    days = component["properties"]["relief_duration_days"]
    assert (days["minimum"], days["maximum"], days["nullable"]) == (0, 3650, True)
