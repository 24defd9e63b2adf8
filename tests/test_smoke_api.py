"""The catalog and patients answer through the API with the right roles."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_scheduler_sees_the_seeded_catalog(scheduler_api):
    response = scheduler_api.get("/api/procedure-types/")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()}
    assert {"MBB", "RFA", "ESI_IL", "SCS_TRIAL", "SCS_IMPLANT", "DISCOGRAPHY"} <= codes


def test_a_nurse_registers_a_patient_and_a_duplicate_mrn_is_refused(nurse_api):
    body = {"mrn": "A100", "first_name": "Ann", "last_name": "Lee", "birth_date": "1970-02-03"}
    assert nurse_api.post("/api/patients/", body).status_code == 201
    duplicate = nurse_api.post("/api/patients/", body)
    assert duplicate.status_code == 400
    assert "mrn" in duplicate.json()


def test_without_a_token_the_answer_is_401_in_the_error_shape(anon_api):
    response = anon_api.get("/api/drugs/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
