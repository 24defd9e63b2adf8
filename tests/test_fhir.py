"""FHIR R4 under /fhir/R4/: every resource parses back with its R4B model, the status map,
the CapabilityStatement, errors as OperationOutcomes, roles and the read audit as the API's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.slot import Slot
from rest_framework.test import APIClient

from clinic.models import AuditEvent, AuditKind
from scheduling import services
from scheduling.fhir.resources import STATUS_MAP, cpt_codes
from scheduling.horizon import horizon_end
from scheduling.models import Status
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local

NOW = local(2026, 11, 16, 7, 0)  # a Monday morning
pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(NOW)]

BASE = "/fhir/R4/"
MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Practitioner": Practitioner,
    "Location": Location,
    "Schedule": Schedule,
    "Slot": Slot,
    "Appointment": FhirAppointment,
}


def fhir(client: APIClient, path: str, **params: Any) -> Any:
    response = client.get(BASE + path, params)
    assert response["Content-Type"].startswith("application/fhir+json"), response.content
    return response


def read(client: APIClient, path: str, model: Any, **params: Any) -> Any:
    """A resource read that answered 200, parsed (and so validated) by its R4B model."""
    response = fhir(client, path, **params)
    assert response.status_code == 200, response.content
    return model.model_validate(response.json())


def bundle(client: APIClient, path: str, **params: Any) -> Bundle:
    response = fhir(client, path, **params)
    assert response.status_code == 200, response.content
    return Bundle.model_validate(response.json())


def refusal(response: Any, status: int) -> OperationOutcome:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    return OperationOutcome.model_validate(response.json())


@pytest.fixture
def case(clinic):
    patient = PatientFactory(first_name="Alice", last_name="Moreno", mrn="MRN-ALICE")
    return book_case(clinic, patient=patient, start=local(2026, 11, 18, 9, 0))


# --- Every resource, read and in a bundle ---------------------------------------------------------


def test_every_resource_reads_and_parses_back_with_its_r4b_model(scheduler_api, clinic, case):
    patient = read(scheduler_api, f"Patient/{case.patient_id}", FhirPatient)
    practitioner = read(scheduler_api, f"Practitioner/{clinic.chen.pk}", Practitioner)
    location = read(scheduler_api, f"Location/{clinic.suite1.pk}", Location)
    schedule = read(scheduler_api, f"Schedule/{clinic.chen.pk}", Schedule)
    appointment = read(scheduler_api, f"Appointment/{case.pk}", FhirAppointment)
    free = bundle(scheduler_api, "Slot", schedule=f"Schedule/{clinic.chen.pk}")
    slot = read(scheduler_api, f"Slot/{free.entry[0].resource.id}", Slot)

    assert patient.id == str(case.patient_id)
    assert practitioner.id == schedule.id == str(clinic.chen.pk)
    assert location.name == "Suite 1"
    assert appointment.status == "booked"
    assert slot.status == "free"


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_search_answers_a_searchset_whose_entries_are_that_resource(
    scheduler_api, clinic, case, kind
):
    params = {"schedule": f"Schedule/{clinic.chen.pk}"} if kind == "Slot" else {}

    found = bundle(scheduler_api, kind, **params)

    assert found.type == "searchset"
    assert found.total and found.total >= 1
    assert found.entry
    for entry in found.entry:
        assert isinstance(entry.resource, MODELS[kind])
        assert entry.search.mode == "match"
        assert entry.fullUrl == f"http://testserver{BASE}{kind}/{entry.resource.id}"


def test_a_patient_carries_the_mrn_name_birth_date_phone_and_email(scheduler_api, case):
    patient = read(scheduler_api, f"Patient/{case.patient_id}", FhirPatient)

    [mrn] = patient.identifier
    assert (mrn.system, mrn.value) == ("urn:painclinic:mrn", "MRN-ALICE")
    assert mrn.type.coding[0].code == "MR"
    assert (patient.name[0].family, patient.name[0].given) == ("Moreno", ["Alice"])
    assert patient.birthDate == dt.date(1960, 5, 17)
    assert {(t.system, t.value) for t in patient.telecom} == {
        ("phone", "+12125550100"),
        ("email", "mrn-alice@example.org"),
    }


def test_a_practitioner_carries_the_npi_and_a_location_says_what_room_it_is(scheduler_api, clinic):
    clinic.exam.active = False
    clinic.exam.save(update_fields=["active"])

    practitioner = read(scheduler_api, f"Practitioner/{clinic.chen.pk}", Practitioner)
    suite = read(scheduler_api, f"Location/{clinic.suite1.pk}", Location)
    exam = read(scheduler_api, f"Location/{clinic.exam.pk}", Location)

    assert practitioner.identifier[0].system == "http://hl7.org/fhir/sid/us-npi"
    assert practitioner.identifier[0].value == clinic.chen.npi
    assert practitioner.active is True
    assert practitioner.name[0].text == "Dr. Chen"
    assert suite.physicalType.coding[0].code == "ro"
    assert (suite.status, suite.description) == ("active", "Fluoroscopy suite at Main campus")
    assert (exam.status, exam.description) == ("inactive", "Exam room at Main campus")


def test_a_schedule_is_the_providers_own_and_runs_to_the_booking_horizon(scheduler_api, clinic):
    schedule = read(scheduler_api, f"Schedule/{clinic.ortiz.pk}", Schedule)

    assert schedule.actor[0].reference == f"Practitioner/{clinic.ortiz.pk}"
    assert schedule.active is True
    assert schedule.planningHorizon.end == horizon_end()


def test_an_appointment_names_its_people_and_place_and_bills_with_the_catalogs_cpt_codes(
    scheduler_api, clinic, case
):
    appointment = read(scheduler_api, f"Appointment/{case.pk}", FhirAppointment)

    assert {(p.actor.reference, p.status) for p in appointment.participant} == {
        (f"Patient/{case.patient_id}", "accepted"),
        (f"Practitioner/{clinic.chen.pk}", "accepted"),
        (f"Location/{clinic.suite1.pk}", "accepted"),
    }
    [service] = appointment.serviceType
    cpt = [c.code for c in service.coding if c.system == "http://www.ama-assn.org/go/cpt"]
    assert cpt == ["64490", "64491", "64492", "64493", "64494", "64495"]
    assert service.text == "Medial branch block (diagnostic)"
    assert appointment.start == local(2026, 11, 18, 9, 0)
    assert appointment.end == local(2026, 11, 18, 9, 30)
    assert appointment.minutesDuration == 30
    assert appointment.description == "Medial branch block (diagnostic), lumbar right"
    assert appointment.created == case.created_at
    assert appointment.cancelationReason is None


@pytest.mark.parametrize(
    ("catalog", "codes"),
    [
        (["64490-64495"], ["64490", "64491", "64492", "64493", "64494", "64495"]),
        (["62321", "62323"], ["62321", "62323"]),
        (["63650", "63650"], ["63650"]),
        (["0213T"], ["0213T"]),
        (["10000-99999"], ["10000-99999"]),  # too wide to be meant: kept as written
    ],
)
def test_catalog_cpt_ranges_are_spelled_out_code_by_code(catalog, codes):
    assert cpt_codes(catalog) == codes


# --- The status map ------------------------------------------------------------------------------


def test_the_status_map_is_the_issues_table_and_covers_every_status():
    assert STATUS_MAP == {
        "scheduled": "booked",
        "checked_in": "checked-in",
        "completed": "fulfilled",
        "cancelled": "cancelled",
        "no_show": "noshow",
    }
    assert set(STATUS_MAP) == set(Status.values)
    allowed = FhirAppointment.model_fields["status"].json_schema_extra["enum_values"]
    assert set(STATUS_MAP.values()) <= set(allowed)


def _checked_in(case, clock):
    services.appointment_check_in(appointment=case, acting_user=None, override_reason="Paper")


def _completed(case, clock):
    _checked_in(case, clock)
    services.appointment_complete(appointment=case, acting_user=None)


def _cancelled(case, clock):
    services.appointment_cancel(
        appointment=case, reason="Has the flu", cause="patient_ill", acting_user=None
    )


def _no_show(case, clock):
    clock.move_to(case.start + dt.timedelta(minutes=20))
    services.appointment_no_show(appointment=case, acting_user=None)


@pytest.mark.parametrize(
    ("make", "fhir_status"),
    [
        (None, "booked"),
        (_checked_in, "checked-in"),
        (_completed, "fulfilled"),
        (_cancelled, "cancelled"),
        (_no_show, "noshow"),
    ],
    ids=["scheduled", "checked_in", "completed", "cancelled", "no_show"],
)
def test_each_status_reads_as_its_fhir_status_and_is_found_by_it(
    scheduler_api, clinic, clock, make, fhir_status
):
    case = book_case(clinic, start=local(2026, 11, 16, 9, 0))
    if make is not None:
        make(case, clock)

    appointment = read(scheduler_api, f"Appointment/{case.pk}", FhirAppointment)
    found = bundle(scheduler_api, "Appointment", status=fhir_status)

    assert appointment.status == fhir_status
    assert [e.resource.id for e in found.entry] == [str(case.pk)]


def test_a_cancelled_appointment_gives_the_reason_in_words_and_the_cause_as_a_code(
    scheduler_api, case
):
    _cancelled(case, None)

    appointment = read(scheduler_api, f"Appointment/{case.pk}", FhirAppointment)

    reason = appointment.cancelationReason
    assert reason.text == "Has the flu"
    assert (reason.coding[0].system, reason.coding[0].code) == (
        "urn:painclinic:cancel-cause",
        "patient_ill",
    )
    assert reason.coding[0].display == "Patient ill"


# --- The CapabilityStatement ---------------------------------------------------------------------


def test_metadata_describes_every_resource_with_its_interactions_and_search_parameters(
    anon_api,
):
    statement = read(anon_api, "metadata", CapabilityStatement)

    assert statement.fhirVersion == "4.3.0"
    assert statement.kind == "instance"
    assert "json" in statement.format
    [rest] = statement.rest
    served = {r.type: r for r in rest.resource}
    assert set(served) == set(MODELS)
    for resource in served.values():
        assert {i.code for i in resource.interaction} == {"read", "search-type"}
    params = {r.type: {p.name for p in r.searchParam} for r in rest.resource}
    assert {"date", "practitioner", "patient", "status", "location"} <= params["Appointment"]
    assert params["Slot"] == {"schedule", "start", "service-type"}
    assert "shortest active procedure" in served["Slot"].documentation


def test_metadata_refuses_a_bad_token_even_though_it_is_open():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    refusal(client.get(BASE + "metadata"), 401)


# --- Errors, roles and the audit -----------------------------------------------------------------

READS = [
    "Patient",
    "Patient/{patient}",
    "Practitioner/{provider}",
    "Location/{room}",
    "Schedule/{provider}",
    "Appointment/{case}",
    "Appointment",
    "Slot?schedule={provider}",
]


def _path(template: str, clinic, case) -> str:
    return template.format(
        patient=case.patient_id, provider=clinic.chen.pk, room=clinic.exam.pk, case=case.pk
    )


@pytest.mark.parametrize("template", READS)
def test_without_credentials_every_fhir_read_is_a_401_operation_outcome(
    anon_api, clinic, case, template
):
    response = anon_api.get(BASE + _path(template, clinic, case))

    outcome = refusal(response, 401)
    assert outcome.issue[0].code == "login"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("template", READS)
def test_a_user_without_a_clinic_role_gets_a_403_operation_outcome(api_as, clinic, case, template):
    outcome = refusal(api_as(None).get(BASE + _path(template, clinic, case)), 403)

    assert outcome.issue[0].code == "forbidden"


@pytest.mark.parametrize("role", ["scheduler", "nurse", "manager"])
@pytest.mark.parametrize("template", READS)
def test_every_clinic_role_reads_fhir(api_as, clinic, case, role, template):
    response = api_as(role).get(BASE + _path(template, clinic, case))

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "path", ["Patient/987654", "Appointment/987654", "Patient/abc", "Slot/1-2-3-4", "Observation"]
)
def test_an_unknown_id_or_resource_is_a_404_operation_outcome(scheduler_api, clinic, path):
    outcome = refusal(scheduler_api.get(BASE + path), 404)

    assert outcome.issue[0].code == "not-found"
    assert outcome.issue[0].diagnostics


def test_writing_is_a_405_operation_outcome(scheduler_api, case):
    response = scheduler_api.post(BASE + "Appointment", {"status": "booked"}, format="json")

    assert refusal(response, 405).issue[0].code == "not-supported"


def test_format_json_is_accepted_and_any_other_format_is_a_406(scheduler_api, case):
    assert fhir(scheduler_api, f"Patient/{case.patient_id}", _format="json").status_code == 200
    response = scheduler_api.get(BASE + f"Patient/{case.patient_id}", {"_format": "xml"})

    refusal(response, 406)


def test_the_api_schema_leaves_fhir_out():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]

    assert not [path for path in paths if path.startswith("/fhir/")]


def _reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditKind.READ).order_by("id"))


def test_reading_a_patient_or_an_appointment_is_audited_naming_the_patient(
    scheduler_api, clinic, case
):
    fhir(scheduler_api, f"Patient/{case.patient_id}")
    fhir(scheduler_api, f"Appointment/{case.pk}")

    response = fhir(scheduler_api, f"Patient/{case.patient_id}")

    assert "no-store" in response["Cache-Control"]
    events = _reads()[:2]
    assert [e.patients for e in events] == [[case.patient_id], [case.patient_id]]
    assert [e.action for e in events] == ["read.fhir:patient-read", "read.fhir:appointment-read"]
    assert all(e.actor_id == scheduler_api.user.pk for e in events)


def test_a_search_writes_one_read_event_naming_every_patient_shown(scheduler_api, clinic, case):
    other = book_case(clinic, start=local(2026, 11, 18, 10, 0))

    fhir(scheduler_api, "Appointment")
    fhir(scheduler_api, "Patient")

    events = _reads()
    assert [sorted(e.patients) for e in events] == [sorted([case.patient_id, other.patient_id])] * 2


def test_resources_that_show_no_patient_write_no_read_event(scheduler_api, clinic, case):
    for path in [f"Practitioner/{clinic.chen.pk}", "Location", "Schedule", "metadata"]:
        fhir(scheduler_api, path)
    fhir(scheduler_api, "Slot", schedule=clinic.chen.pk)

    assert _reads() == []


def test_a_signed_in_session_reads_as_a_token_does(pages_as, case):
    response = pages_as("nurse").get(BASE + f"Patient/{case.patient_id}")

    assert response.status_code == 200
    FhirPatient.model_validate(response.json())


def test_a_refused_read_writes_no_read_event(api_as, case):
    api_as(None).get(BASE + f"Patient/{case.patient_id}")

    assert _reads() == []


# --- Query counts --------------------------------------------------------------------------------


def _queries_for_appointments(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = bundle(client, "Appointment", _count=100)
    assert found.total == len(found.entry)
    return len(queries)


def test_an_appointment_search_reads_as_many_queries_for_20_cases_as_for_5(scheduler_api, clinic):
    def book(count: int, first_day: int) -> None:
        for index in range(count):
            day, slot = divmod(index, 8)
            start = local(2026, 11, first_day + day, 8 + slot, 0)
            room = clinic.suite1 if index % 2 else clinic.suite2
            provider = clinic.chen if index % 2 else clinic.ortiz
            book_case(clinic, start=start, room=room, provider=provider)

    book(5, 16)
    fhir(scheduler_api, "metadata")  # warm what a process keeps
    five = _queries_for_appointments(scheduler_api)
    book(15, 23)

    assert _queries_for_appointments(scheduler_api) == five
