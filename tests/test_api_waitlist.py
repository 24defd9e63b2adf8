"""The waitlist over the API: entries, freed slots with their eligible patients, booking one
in one call, offers and their answers."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent
from scheduling import services
from scheduling.models import FreedSlot, OfferStatus, WaitlistEntry, WaitlistStatus
from scheduling.waitlist import offers
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2027, 3, 1, 9))]


def entry_body(patient_id: int, **overrides: object) -> dict:
    body = {
        "patient": patient_id,
        "procedure_type": "ESI_IL",
        "region": "lumbar",
        "side": "right",
        "earliest": "2027-03-01",
        "latest": "2027-03-31",
    }
    body.update(overrides)
    return body


def freed_with_two_waiting(clinic, api) -> tuple[FreedSlot, list[int]]:
    ids = [
        api.post("/api/waitlist/", entry_body(PatientFactory(phone="+12125550111").pk)).json()["id"]
        for _ in range(2)
    ]
    case = book_case(clinic, start=local(2027, 3, 10, 9), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    return FreedSlot.objects.get(appointment=case), ids


def test_a_scheduler_puts_a_patient_on_the_waitlist_and_lists_it(clinic, scheduler_api):
    patient = PatientFactory()
    answer = scheduler_api.post(
        "/api/waitlist/",
        entry_body(patient.pk, preferred_providers=[clinic.ortiz.pk], levels=["L4-L5"]),
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "waiting"
    assert body["procedure_type"] == "ESI_IL"
    assert body["preferred_providers"] == [clinic.ortiz.pk]
    assert body["levels"] == ["L4-L5"]
    listed = scheduler_api.get("/api/waitlist/", {"patient": patient.pk}).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert AuditEvent.objects.filter(action="waitlist.add").count() == 1
    read = scheduler_api.get(f"/api/waitlist/{body['id']}/")
    assert read.status_code == 200 and read.json()["patient_name"] == patient.full_name


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latest": "2027-02-27"}, "latest"),
        ({"earliest": "1850-01-01"}, "earliest"),
        ({"procedure_type": "NOPE"}, "procedure_type"),
        ({"side": "both"}, "side"),
        ({"preferred_providers": [999999]}, "preferred_providers"),
        ({"levels": ["C4-C5"]}, "levels"),
        ({"levels": ["L4-L5\x00"]}, "levels"),
        ({"preferred_providers": [10**23]}, "preferred_providers"),
        ({"patient": 10**12}, "patient"),
    ],
)
def test_bad_entries_get_a_field_error_and_write_nothing(clinic, scheduler_api, overrides, field):
    answer = scheduler_api.post(
        "/api/waitlist/", entry_body(PatientFactory().pk, **overrides), format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json()
    assert not WaitlistEntry.objects.exists()


def test_a_window_already_over_is_refused_in_the_service_sentence(clinic, scheduler_api):
    answer = scheduler_api.post(
        "/api/waitlist/",
        entry_body(PatientFactory().pk, earliest="2027-02-01", latest="2027-02-20"),
        format="json",
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_window"


def test_roles(clinic, nurse_api, manager_api, anon_api):
    patient = PatientFactory()
    assert anon_api.get("/api/waitlist/").status_code == 401
    assert nurse_api.post("/api/waitlist/", entry_body(patient.pk)).status_code == 403
    assert nurse_api.get("/api/waitlist/").status_code == 200
    assert nurse_api.get("/api/freed-slots/").status_code == 403
    created = manager_api.post("/api/waitlist/", entry_body(patient.pk))
    assert created.status_code == 201
    assert nurse_api.delete(f"/api/waitlist/{created.json()['id']}/").status_code == 403


def test_removing_closes_the_entry_and_a_second_removal_is_a_conflict(clinic, scheduler_api):
    entry_id = scheduler_api.post("/api/waitlist/", entry_body(PatientFactory().pk)).json()["id"]
    assert scheduler_api.delete(f"/api/waitlist/{entry_id}/").status_code == 204
    assert WaitlistEntry.objects.get(pk=entry_id).status == WaitlistStatus.REMOVED
    again = scheduler_api.delete(f"/api/waitlist/{entry_id}/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert scheduler_api.get("/api/waitlist/", {"status": "removed"}).json()[0]["id"] == entry_id
    assert scheduler_api.get("/api/waitlist/").json() == []


def test_freed_slots_list_their_eligible_waiting_patients_in_order(clinic, scheduler_api):
    freed, ids = freed_with_two_waiting(clinic, scheduler_api)
    [slot] = scheduler_api.get("/api/freed-slots/").json()
    assert slot["id"] == freed.pk and slot["reason"] == "cancelled"
    assert [m["entry"] for m in slot["eligible"]] == ids
    assert [m["rank"] for m in slot["eligible"]] == [1, 2]


def test_one_call_books_a_waiting_patient_into_the_slot(clinic, scheduler_api):
    freed, ids = freed_with_two_waiting(clinic, scheduler_api)
    [first, second] = freed.matches.order_by("rank")
    answer = scheduler_api.post(f"/api/freed-slots/{freed.pk}/book/", {"match": first.pk})
    assert answer.status_code == 201, answer.json()
    booked = answer.json()
    assert dt.datetime.fromisoformat(booked["start"]) == freed.start
    assert booked["patient"] == WaitlistEntry.objects.get(pk=ids[0]).patient_id
    assert WaitlistEntry.objects.get(pk=ids[0]).status == WaitlistStatus.BOOKED
    # Filled: off the list, and the second patient's booking is a clear conflict.
    assert scheduler_api.get("/api/freed-slots/").json() == []
    late = scheduler_api.post(f"/api/freed-slots/{freed.pk}/book/", {"match": second.pk})
    assert late.status_code == 409 and late.json()["code"] == "slot_unavailable"
    assert WaitlistEntry.objects.get(pk=ids[1]).status == WaitlistStatus.WAITING


def test_a_slot_booked_by_another_route_leaves_the_list(clinic, scheduler_api):
    freed, _ = freed_with_two_waiting(clinic, scheduler_api)
    book_case(clinic, start=freed.start, code="MBB")
    assert scheduler_api.get("/api/freed-slots/").json() == []


def test_a_match_of_another_slot_is_not_found(clinic, scheduler_api):
    freed, _ = freed_with_two_waiting(clinic, scheduler_api)
    answer = scheduler_api.post(f"/api/freed-slots/{freed.pk}/book/", {"match": 10**6})
    assert answer.status_code == 404
    assert scheduler_api.post(f"/api/freed-slots/{freed.pk}/book/", {}).status_code == 400


def test_an_offer_goes_to_the_first_patient_and_a_no_passes_it_on(clinic, scheduler_api):
    freed, ids = freed_with_two_waiting(clinic, scheduler_api)
    offered = scheduler_api.post(f"/api/freed-slots/{freed.pk}/offer/")
    assert offered.status_code == 202, offered.json()
    assert offered.json()["entry"] == ids[0] and offered.json()["offer_status"] == "queued"
    # One live offer per slot: a second offer waits for the first patient's answer.
    again = scheduler_api.post(f"/api/freed-slots/{freed.pk}/offer/")
    assert again.status_code == 409 and again.json()["code"] == "nobody_to_offer"
    assert offers.send_offer(offered.json()["id"]) == "sent"
    declined = scheduler_api.post(
        f"/api/freed-slots/{freed.pk}/decline/", {"match": offered.json()["id"]}
    )
    assert declined.status_code == 200 and declined.json()["offer_status"] == "declined"
    second = freed.matches.get(entry_id=ids[1])
    assert second.offer_status == OfferStatus.QUEUED
    [slot] = scheduler_api.get("/api/freed-slots/").json()
    assert [m["entry"] for m in slot["eligible"]] == [ids[1]]


def test_the_schema_documents_the_waitlist(clinic, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/waitlist/"])
    assert "delete" in paths["/api/waitlist/{id}/"]
    assert "post" in paths["/api/freed-slots/{id}/book/"]
    assert "422" in paths["/api/waitlist/"]["post"]["responses"]


def test_a_booked_case_goes_on_the_waitlist_by_its_id_alone(clinic, scheduler_api):
    case = book_case(clinic, start=local(2027, 3, 24, 9), code="ESI_IL")
    answer = scheduler_api.post(
        "/api/waitlist/",
        {"appointment": case.pk, "earliest": "2027-03-01", "latest": "2027-03-23"},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["appointment"], body["patient"]) == (case.pk, case.patient_id)
    assert (body["procedure_type"], body["region"], body["side"]) == ("ESI_IL", "lumbar", "right")
    # Not before the case: the service's sentence, nothing written.
    late = scheduler_api.post(
        "/api/waitlist/",
        {"appointment": case.pk, "earliest": "2027-03-01", "latest": "2027-03-24"},
        format="json",
    )
    assert late.status_code == 422 and late.json()["code"] == "invalid_window"
    other = scheduler_api.post(
        "/api/waitlist/",
        {
            "appointment": case.pk,
            "patient": PatientFactory().pk,
            "earliest": "2027-03-01",
            "latest": "2027-03-20",
        },
        format="json",
    )
    assert other.status_code == 400 and "patient" in other.json()
    assert WaitlistEntry.objects.count() == 1


def test_without_a_case_the_procedure_and_the_patient_are_required(clinic, scheduler_api):
    answer = scheduler_api.post(
        "/api/waitlist/", {"earliest": "2027-03-01", "latest": "2027-03-20"}, format="json"
    )
    assert answer.status_code == 400
    assert {"patient", "procedure_type", "region", "side"} <= set(answer.json())
