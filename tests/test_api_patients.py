"""Patients and their current medications through the API, bad input included.

Every refusal is checked twice: the answer (status and shape), and the database (nothing
written, no audit row).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st

from clinic.models import AuditEvent, Patient
from procedures.models import PatientMedication
from tests.factories import PatientFactory, PatientMedicationFactory, drug, payer

pytestmark = pytest.mark.django_db

NEW_PATIENT = {"mrn": "A100", "first_name": "Ann", "last_name": "Lee", "birth_date": "1970-02-03"}
LEFT_OUT = object()


def new_patient(**change: object) -> dict:
    """The body of a new patient, with fields changed, or left out when set to LEFT_OUT."""
    body = {**NEW_PATIENT, **change}
    return {key: value for key, value in body.items() if value is not LEFT_OUT}


def written() -> tuple[int, int, int]:
    return Patient.objects.count(), PatientMedication.objects.count(), AuditEvent.objects.count()


def patient_row(patient: Patient) -> dict:
    return Patient.objects.filter(pk=patient.pk).values().get()


def assert_error_shape(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]


# --- Registering ---------------------------------------------------------------------------------


def test_a_scheduler_registers_a_patient_with_every_field(scheduler_api):
    body = {
        **NEW_PATIENT,
        "phone": "+12125550123",
        "email": "ann.lee@example.org",
        "preferred_channel": "sms",
        "diabetic": True,
        "could_be_pregnant": True,
        "contrast_allergy": True,
        "payer": "medicare",
    }

    response = scheduler_api.post("/api/patients/", body, format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    assert {key: answer[key] for key in body} == body
    patient = Patient.objects.get(pk=answer["id"])
    assert patient.mrn == "A100"
    assert patient.birth_date == dt.date(1970, 2, 3)
    assert patient.payer == payer("medicare")
    assert patient.diabetic and patient.could_be_pregnant and patient.contrast_allergy


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(212) 555-0123", "+12125550123"),
        ("212-555-0123", "+12125550123"),
        ("212.555.0123", "+12125550123"),
        ("+1 212 555 0123", "+12125550123"),
        ("+44 20 7183 8750", "+442071838750"),
    ],
)
def test_a_phone_number_is_taken_as_people_type_it_and_stored_in_e164(scheduler_api, typed, stored):
    response = scheduler_api.post("/api/patients/", {**NEW_PATIENT, "phone": typed}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["phone"] == stored
    assert Patient.objects.values_list("phone", flat=True).get(mrn="A100") == stored


def test_a_patient_registered_with_only_the_required_fields_gets_the_defaults(scheduler_api):
    response = scheduler_api.post("/api/patients/", NEW_PATIENT, format="json")

    assert response.status_code == 201
    answer = response.json()
    assert answer["phone"] == ""
    assert answer["email"] == ""
    assert answer["preferred_channel"] == "email"
    assert answer["diabetic"] is False
    assert answer["could_be_pregnant"] is False
    assert answer["contrast_allergy"] is False
    assert answer["payer"] is None


def test_a_duplicate_mrn_is_a_400_on_the_mrn_and_writes_nothing(scheduler_api):
    PatientFactory(mrn="A100")
    before = written()

    response = scheduler_api.post("/api/patients/", NEW_PATIENT, format="json")

    assert response.status_code == 400
    assert "mrn" in response.json()
    assert written() == before


def test_a_birth_date_of_today_is_accepted(scheduler_api):
    body = {**NEW_PATIENT, "birth_date": timezone.localdate().isoformat()}

    assert scheduler_api.post("/api/patients/", body, format="json").status_code == 201


def test_a_birth_date_is_in_the_future_by_the_clinics_calendar_not_utcs(scheduler_api):
    # Late evening in the clinic (New York by default) is already tomorrow in UTC.
    late_evening = dt.datetime(2026, 3, 9, 23, 30, tzinfo=ZoneInfo(settings.CLINIC_TIME_ZONE))
    tomorrow_in_the_clinic = {**NEW_PATIENT, "birth_date": "2026-03-10"}
    today_in_the_clinic = {**NEW_PATIENT, "birth_date": "2026-03-09"}

    with time_machine.travel(late_evening, tick=False):
        refused = scheduler_api.post("/api/patients/", tomorrow_in_the_clinic, format="json")
        accepted = scheduler_api.post("/api/patients/", today_in_the_clinic, format="json")

    assert refused.status_code == 400
    assert "birth_date" in refused.json()
    assert accepted.status_code == 201


BAD_PATIENTS = [
    ("no MRN", {"mrn": LEFT_OUT}, "mrn"),
    ("a null MRN", {"mrn": None}, "mrn"),
    ("blank MRN", {"mrn": ""}, "mrn"),
    ("MRN too long", {"mrn": "M" * 41}, "mrn"),
    ("MRN with a NUL", {"mrn": "A1\x0000"}, "mrn"),
    ("no first name", {"first_name": LEFT_OUT}, "first_name"),
    ("a blank first name", {"first_name": ""}, "first_name"),
    ("last name as an object", {"last_name": {"text": "Lee"}}, "last_name"),
    ("no birth date", {"birth_date": LEFT_OUT}, "birth_date"),
    ("a null birth date", {"birth_date": None}, "birth_date"),
    ("30 February", {"birth_date": "2026-02-30"}, "birth_date"),
    ("31 April", {"birth_date": "1980-04-31"}, "birth_date"),
    ("29 February in a common year", {"birth_date": "1981-02-29"}, "birth_date"),
    ("month 13", {"birth_date": "1980-13-01"}, "birth_date"),
    ("US date order", {"birth_date": "02/03/1970"}, "birth_date"),
    ("a date as a number", {"birth_date": 19700203}, "birth_date"),
    ("a datetime", {"birth_date": "1970-02-03T10:00:00Z"}, "birth_date"),
    ("a future birth date", {"birth_date": "2999-01-01"}, "birth_date"),
    ("before 1900", {"birth_date": "1899-12-31"}, "birth_date"),
    ("phone too short for the clinic's country", {"phone": "555-0100"}, "phone"),
    ("phone with a country code that does not exist", {"phone": "+999 555 0100"}, "phone"),
    ("phone with letters", {"phone": "call the daughter"}, "phone"),
    ("phone too long", {"phone": "+1234567890123456"}, "phone"),
    (
        "phone in other digits",
        {"phone": "+1\u0662\u0661\u0662\u0665\u0665\u0665\u0660\u0661"},
        "phone",
    ),
    ("phone as a number", {"phone": 12125550123}, "phone"),
    ("bad email", {"email": "ann.example.org"}, "email"),
    ("unknown channel", {"preferred_channel": "fax"}, "preferred_channel"),
    ("SMS without a phone", {"preferred_channel": "sms"}, "phone"),
    ("email reminders without an email", {"preferred_channel": "email"}, "email"),
    ("diabetic as a word", {"diabetic": "perhaps"}, "diabetic"),
    ("pregnancy as a list", {"could_be_pregnant": [True]}, "could_be_pregnant"),
    ("contrast allergy as null", {"contrast_allergy": None}, "contrast_allergy"),
    ("unknown payer", {"payer": "acme"}, "payer"),
    ("payer in capitals", {"payer": "MEDICARE"}, "payer"),
    ("payer as a number", {"payer": 1}, "payer"),
    ("payer as an object", {"payer": {"code": "medicare"}}, "payer"),
    ("payer with a NUL", {"payer": "medi\x00care"}, "payer"),
]


@pytest.mark.parametrize(
    ("why", "change", "field"), BAD_PATIENTS, ids=[why for why, _, _ in BAD_PATIENTS]
)
def test_a_patient_with_bad_input_is_a_400_on_that_field_and_writes_nothing(
    scheduler_api, why, change, field
):
    before = written()

    response = scheduler_api.post("/api/patients/", new_patient(**change), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert written() == before


@pytest.mark.parametrize("body", ["[1, 2]", '"Ann Lee"', "null", "42"])
def test_a_body_that_is_not_an_object_is_a_400_and_writes_nothing(scheduler_api, body):
    before = written()

    response = scheduler_api.post("/api/patients/", body, content_type="application/json")

    assert response.status_code == 400
    assert written() == before


@pytest.mark.parametrize(
    "body",
    [b'{"mrn": "A100",', b"{'mrn': 'A100'}", b'{"mrn": "A100"} trailing', b"\xff\xfe{}"],
    ids=["cut short", "single quotes", "trailing text", "not UTF-8"],
)
def test_malformed_json_is_a_400_in_the_error_shape_and_writes_nothing(scheduler_api, body):
    before = written()

    response = scheduler_api.post("/api/patients/", body, content_type="application/json")

    assert_error_shape(response, 400, "malformed_request")
    assert written() == before


def test_a_body_in_an_unsupported_format_is_a_415_and_writes_nothing(scheduler_api):
    response = scheduler_api.post(
        "/api/patients/", "<mrn>A100</mrn>", content_type="application/xml"
    )

    assert_error_shape(response, 415, "unsupported_media_type")
    assert not Patient.objects.exists()


# --- Finding and reading -------------------------------------------------------------------------


def test_the_patient_list_finds_by_exact_mrn_or_the_start_of_a_name(nurse_api):
    lee = PatientFactory(mrn="A100", first_name="Ann", last_name="Lee")
    PatientFactory(mrn="A1000", first_name="Bob", last_name="Stone")
    leeds = PatientFactory(mrn="B200", first_name="Carl", last_name="Leeds")

    def found(query: str) -> list[int]:
        response = nurse_api.get("/api/patients/", {"q": query})
        assert response.status_code == 200
        return [row["id"] for row in response.json()]

    assert found("a100") == [lee.pk]
    assert found("lee") == [lee.pk, leeds.pk]
    assert found("An") == [lee.pk]
    assert found("  Leeds ") == [leeds.pk]
    assert found("nobody") == []
    assert len(found("")) == 3


def test_the_patient_list_shows_at_most_fifty(nurse_api):
    PatientFactory.create_batch(51)

    response = nurse_api.get("/api/patients/")

    assert response.status_code == 200
    assert len(response.json()) == 50


def test_a_search_with_a_nul_character_is_refused_on_the_field(nurse_api):
    # No name or MRN holds a NUL: it is a client's bug, answered as one (not a 500 from the
    # database, which cannot hold it in a query).
    PatientFactory(last_name="Lee")

    response = nurse_api.get("/api/patients/", {"q": "Le\x00e"})

    assert response.status_code == 400
    assert response.json() == {"q": ["Null characters are not allowed."]}


def test_a_search_given_twice_is_refused(nurse_api):
    response = nurse_api.get("/api/patients/?q=Lee&q=Kim")

    assert response.status_code == 400
    assert response.json() == {"q": ["Give this parameter once."]}


def test_a_patient_reads_back_as_registered(manager_api):
    patient = PatientFactory(payer=payer("aetna"), diabetic=True)

    response = manager_api.get(f"/api/patients/{patient.pk}/")

    assert response.status_code == 200
    answer = response.json()
    assert answer["id"] == patient.pk
    assert answer["mrn"] == patient.mrn
    assert answer["birth_date"] == "1960-05-17"
    assert answer["payer"] == "aetna"
    assert answer["diabetic"] is True
    assert answer["phone"] == "+12125550100"


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_unknown_patient_is_a_404_in_the_error_shape(manager_api, method):
    response = getattr(manager_api, method)("/api/patients/987654/", {}, format="json")

    assert_error_shape(response, 404, "not_found")


def test_a_patient_id_too_large_for_the_database_is_a_404_not_a_500(manager_api):
    response = manager_api.get("/api/patients/99999999999999999999999/")

    assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_a_patient_cannot_be_replaced_or_deleted_through_the_api(manager_api, method):
    patient = PatientFactory()

    response = getattr(manager_api, method)(f"/api/patients/{patient.pk}/", {}, format="json")

    assert_error_shape(response, 405, "method_not_allowed")
    assert Patient.objects.filter(pk=patient.pk).exists()


# --- Correcting ----------------------------------------------------------------------------------


def test_a_patch_changes_only_the_fields_it_names(manager_api):
    patient = PatientFactory(first_name="Ann", diabetic=False, payer=None)
    before = patient_row(patient)

    response = manager_api.patch(
        f"/api/patients/{patient.pk}/",
        {"first_name": "Anne", "diabetic": True, "payer": "cigna"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Anne"
    assert response.json()["payer"] == "cigna"
    after = patient_row(patient)
    assert after["first_name"] == "Anne"
    assert after["diabetic"] is True
    assert after["payer_id"] == payer("cigna").pk
    unchanged = {"first_name", "diabetic", "payer_id", "updated_at"}
    assert {k: v for k, v in after.items() if k not in unchanged} == {
        k: v for k, v in before.items() if k not in unchanged
    }


def test_a_patch_may_clear_the_payer_and_switch_reminders_to_sms(scheduler_api):
    patient = PatientFactory(payer=payer("medicare"), phone="+12125550100")

    response = scheduler_api.patch(
        f"/api/patients/{patient.pk}/", {"payer": None, "preferred_channel": "sms"}, format="json"
    )

    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.payer is None
    assert patient.preferred_channel == "sms"


def test_id_and_timestamps_cannot_be_patched(nurse_api):
    patient = PatientFactory()
    created_at = patient.created_at

    response = nurse_api.patch(
        f"/api/patients/{patient.pk}/",
        {"id": patient.pk + 100, "created_at": "2000-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["id"] == patient.pk
    patient.refresh_from_db()
    assert patient.created_at == created_at


BAD_PATCHES = [
    ("30 February", {"birth_date": "2026-02-30"}, "birth_date"),
    ("a future birth date", {"birth_date": "2999-01-01"}, "birth_date"),
    ("an invalid phone", {"phone": "555-0100"}, "phone"),
    ("SMS after clearing the phone", {"phone": "", "preferred_channel": "sms"}, "phone"),
    ("an unknown payer", {"payer": "acme"}, "payer"),
    ("a blank MRN", {"mrn": ""}, "mrn"),
    ("a null last name", {"last_name": None}, "last_name"),
    ("a boolean as a word", {"contrast_allergy": "yes please"}, "contrast_allergy"),
]


@pytest.mark.parametrize(
    ("why", "change", "field"), BAD_PATCHES, ids=[why for why, _, _ in BAD_PATCHES]
)
def test_a_bad_patch_is_a_400_on_that_field_and_changes_nothing(manager_api, why, change, field):
    patient = PatientFactory()
    before_row, before_counts = patient_row(patient), written()

    response = manager_api.patch(f"/api/patients/{patient.pk}/", change, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert patient_row(patient) == before_row
    assert written() == before_counts


def test_sms_reminders_cannot_be_chosen_for_a_patient_without_a_phone(scheduler_api):
    patient = PatientFactory(phone="")

    response = scheduler_api.patch(
        f"/api/patients/{patient.pk}/", {"preferred_channel": "sms"}, format="json"
    )

    assert response.status_code == 400
    assert "phone" in response.json()
    patient.refresh_from_db()
    assert patient.preferred_channel == "email"


def test_patching_in_another_patients_mrn_is_a_400_and_changes_nothing(nurse_api):
    PatientFactory(mrn="TAKEN")
    patient = PatientFactory(mrn="MINE")
    before = written()

    response = nurse_api.patch(f"/api/patients/{patient.pk}/", {"mrn": "TAKEN"}, format="json")

    assert response.status_code == 400
    assert "mrn" in response.json()
    patient.refresh_from_db()
    assert patient.mrn == "MINE"
    assert written() == before


def test_a_malformed_json_patch_is_a_400_in_the_error_shape_and_changes_nothing(nurse_api):
    patient = PatientFactory()
    before = patient_row(patient)

    response = nurse_api.patch(
        f"/api/patients/{patient.pk}/", '{"first_name": ', content_type="application/json"
    )

    assert_error_shape(response, 400, "malformed_request")
    assert patient_row(patient) == before


# --- Medications ---------------------------------------------------------------------------------


def test_a_nurse_records_a_drug_the_patient_takes(nurse_api):
    patient = PatientFactory()

    response = nurse_api.post(
        f"/api/patients/{patient.pk}/medications/", {"drug": "clopidogrel"}, format="json"
    )

    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["drug"] == "clopidogrel"
    assert answer["drug_name"] == "Clopidogrel"
    assert answer["patient"] == patient.pk
    assert answer["ended_at"] is None
    medication = PatientMedication.objects.get(pk=answer["id"])
    assert medication.patient == patient
    assert medication.drug == drug("clopidogrel")
    assert medication.added_by == nurse_api.user


def test_the_medication_list_shows_only_the_drugs_taken_now_by_that_patient(scheduler_api):
    patient = PatientFactory()
    PatientMedicationFactory(patient=patient, drug=drug("warfarin"))
    PatientMedicationFactory(patient=patient, drug=drug("aspirin"))
    stopped = PatientMedicationFactory(patient=patient, drug=drug("naproxen"))
    PatientMedication.objects.filter(pk=stopped.pk).update(ended_at=dt.datetime.now(dt.UTC))
    PatientMedicationFactory(drug=drug("apixaban"))  # someone else's

    response = scheduler_api.get(f"/api/patients/{patient.pk}/medications/")

    assert response.status_code == 200
    assert sorted(row["drug"] for row in response.json()) == ["aspirin", "warfarin"]


def test_a_drug_the_patient_already_takes_is_a_409_medication_exists_and_writes_nothing(
    nurse_api,
):
    medication = PatientMedicationFactory(drug=drug("warfarin"))
    before = written()

    response = nurse_api.post(
        f"/api/patients/{medication.patient.pk}/medications/", {"drug": "warfarin"}, format="json"
    )

    assert_error_shape(response, 409, "medication_exists")
    assert "Warfarin" in response.json()["detail"]
    assert written() == before


def test_the_same_drug_for_two_patients_is_not_a_conflict(nurse_api):
    PatientMedicationFactory(drug=drug("warfarin"))
    other = PatientFactory()

    response = nurse_api.post(
        f"/api/patients/{other.pk}/medications/", {"drug": "warfarin"}, format="json"
    )

    assert response.status_code == 201


def test_a_nurse_ends_a_medication_and_the_row_stays_for_the_record(nurse_api):
    medication = PatientMedicationFactory()
    path = f"/api/patients/{medication.patient.pk}/medications/{medication.pk}/"

    response = nurse_api.delete(path)

    assert response.status_code == 204
    medication.refresh_from_db()
    assert medication.ended_at is not None
    assert nurse_api.get(f"/api/patients/{medication.patient.pk}/medications/").json() == []


def test_ending_a_medication_twice_is_a_404_the_second_time(nurse_api):
    medication = PatientMedicationFactory()
    path = f"/api/patients/{medication.patient.pk}/medications/{medication.pk}/"
    nurse_api.delete(path)
    medication.refresh_from_db()
    ended_at = medication.ended_at

    response = nurse_api.delete(path)

    assert_error_shape(response, 404, "not_found")
    medication.refresh_from_db()
    assert medication.ended_at == ended_at


def test_a_drug_may_be_recorded_again_once_the_patient_stopped_it(nurse_api):
    medication = PatientMedicationFactory(drug=drug("warfarin"))
    patient = medication.patient
    nurse_api.delete(f"/api/patients/{patient.pk}/medications/{medication.pk}/")

    response = nurse_api.post(
        f"/api/patients/{patient.pk}/medications/", {"drug": "warfarin"}, format="json"
    )

    assert response.status_code == 201
    assert PatientMedication.objects.filter(patient=patient).count() == 2
    assert PatientMedication.objects.filter(patient=patient, ended_at__isnull=True).count() == 1


def test_another_patients_medication_cannot_be_ended_through_this_patients_path(nurse_api):
    theirs = PatientMedicationFactory()
    mine = PatientFactory()

    response = nurse_api.delete(f"/api/patients/{mine.pk}/medications/{theirs.pk}/")

    assert_error_shape(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.ended_at is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/patients/987654/medications/"),
        ("post", "/api/patients/987654/medications/"),
        ("delete", "/api/patients/987654/medications/1/"),
        ("delete", "/api/patients/{patient}/medications/987654/"),
        ("delete", "/api/patients/{patient}/medications/99999999999999999999999/"),
    ],
)
def test_an_unknown_patient_or_medication_is_a_404_in_the_error_shape(nurse_api, method, path):
    patient = PatientFactory()
    before = written()

    response = getattr(nurse_api, method)(
        path.format(patient=patient.pk), {"drug": "warfarin"}, format="json"
    )

    assert_error_shape(response, 404, "not_found")
    assert written() == before


BAD_MEDICATIONS = [
    ("an unknown drug", {"drug": "warfarine"}),
    ("a drug name rather than its code", {"drug": "Warfarin"}),
    ("no drug", {}),
    ("a null drug", {"drug": None}),
    ("a blank drug", {"drug": ""}),
    ("a drug as a number", {"drug": 1}),
    ("a drug as a list", {"drug": ["warfarin"]}),
    ("a drug as an object", {"drug": {"code": "warfarin"}}),
    ("a drug with a NUL", {"drug": "warfarin\x00"}),
]


@pytest.mark.parametrize(("why", "body"), BAD_MEDICATIONS, ids=[why for why, _ in BAD_MEDICATIONS])
def test_a_medication_with_bad_input_is_a_400_on_the_drug_and_writes_nothing(nurse_api, why, body):
    patient = PatientFactory()
    before = written()

    response = nurse_api.post(f"/api/patients/{patient.pk}/medications/", body, format="json")

    assert response.status_code == 400, response.content
    assert "drug" in response.json()
    assert written() == before


@pytest.mark.parametrize("body", ['{"drug": "warfarin"', "[]", '"warfarin"'])
def test_a_medication_body_that_is_not_a_json_object_is_a_400_and_writes_nothing(nurse_api, body):
    patient = PatientFactory()
    before = written()

    response = nurse_api.post(
        f"/api/patients/{patient.pk}/medications/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert written() == before


# --- Whatever arrives, never a 500 ---------------------------------------------------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
PATIENT_FIELDS = [*NEW_PATIENT, "phone", "email", "preferred_channel", "diabetic", "payer"]
FUZZ = settings_for_hypothesis(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(change=st.dictionaries(st.sampled_from(PATIENT_FIELDS), JSON_VALUES, max_size=4))
def test_any_json_sent_as_a_new_patient_is_registered_or_refused_never_a_500(manager_api, change):
    before = Patient.objects.count()

    response = manager_api.post("/api/patients/", {**NEW_PATIENT, **change}, format="json")

    assert response.status_code in {201, 400}, response.content
    assert Patient.objects.count() == before + (response.status_code == 201)


@FUZZ
@given(change=st.dictionaries(st.sampled_from(PATIENT_FIELDS), JSON_VALUES, max_size=4))
def test_any_json_sent_as_a_patch_is_applied_or_refused_never_a_500(manager_api, change):
    patient = PatientFactory()

    response = manager_api.patch(f"/api/patients/{patient.pk}/", change, format="json")

    assert response.status_code in {200, 400}, response.content


@FUZZ
@given(body=JSON_VALUES)
def test_any_json_sent_as_a_medication_is_recorded_or_refused_never_a_500(manager_api, body):
    patient = PatientFactory()

    response = manager_api.post(
        f"/api/patients/{patient.pk}/medications/", {"drug": body}, format="json"
    )

    assert response.status_code in {201, 400}, response.content
