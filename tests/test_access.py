"""Who may call the foundation endpoints: 401 without credentials, 403 without the role.

Every request below carries a body that would succeed for the right role, so a refusal can
only come from the access check, and the database must be exactly as it was before.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from clinic.models import ApiToken, AuditEvent, Patient, Provider, Room
from procedures.models import PatientMedication
from tests.factories import PatientMedicationFactory, SiteFactory

pytestmark = pytest.mark.django_db

ROLES = ("scheduler", "nurse", "manager")
EVERY_ROLE = frozenset(ROLES)
MANAGERS = frozenset({"manager"})
SCHEDULING = frozenset({"scheduler", "manager"})
NURSING = frozenset({"nurse", "manager"})


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict | None
    success: int
    roles: frozenset[str]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


CALLS = [
    Call("get", "/api/patients/", None, 200, EVERY_ROLE),
    Call(
        "post",
        "/api/patients/",
        {"mrn": "ACCESS-1", "first_name": "Ada", "last_name": "Ng", "birth_date": "1971-04-02"},
        201,
        SCHEDULING,
    ),
    Call("get", "/api/patients/{patient}/", None, 200, EVERY_ROLE),
    Call("patch", "/api/patients/{patient}/", {"first_name": "Changed"}, 200, SCHEDULING),
    Call("get", "/api/patients/{patient}/medications/", None, 200, EVERY_ROLE),
    Call("post", "/api/patients/{patient}/medications/", {"drug": "apixaban"}, 201, NURSING),
    Call("delete", "/api/patients/{patient}/medications/{medication}/", None, 204, NURSING),
    Call("get", "/api/procedure-types/", None, 200, EVERY_ROLE),
    Call("get", "/api/drugs/", None, 200, EVERY_ROLE),
    Call("get", "/api/providers/", None, 200, EVERY_ROLE),
    Call("post", "/api/providers/", {"name": "Dr. Able", "npi": "1234567893"}, 201, MANAGERS),
    Call("get", "/api/rooms/", None, 200, EVERY_ROLE),
    Call(
        "post",
        "/api/rooms/",
        {"name": "Suite Z", "site": "Main campus", "fluoroscopy": True},
        201,
        MANAGERS,
    ),
]
WRITES = [call for call in CALLS if call.method != "get"]
ROLE_CASES = [(call, role) for call in CALLS for role in ROLES]


@pytest.fixture
def world():
    """One patient taking warfarin, and the site rooms are added to."""
    SiteFactory(name="Main campus")
    medication = PatientMedicationFactory()
    return {"patient": medication.patient.pk, "medication": medication.pk}


def database_state() -> dict[str, object]:
    """Everything these endpoints can write, to compare before and after a refused call."""
    return {
        "patients": list(Patient.objects.order_by("pk").values()),
        "medications": list(PatientMedication.objects.order_by("pk").values()),
        "providers": list(Provider.objects.order_by("pk").values()),
        "rooms": list(Room.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


def send(client: APIClient, call: Call, world: dict[str, int]):
    path = call.path.format(**world)
    if call.body is None:
        return getattr(client, call.method)(path)
    return getattr(client, call.method)(path, call.body, format="json")


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_without_credentials_every_endpoint_answers_401_and_changes_nothing(anon_api, world, call):
    before = database_state()

    response = send(anon_api, call, world)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"
    assert database_state() == before


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_a_bad_token_answers_401_on_every_endpoint_and_changes_nothing(world, call):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    before = database_state()

    response = send(client, call, world)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert database_state() == before


@pytest.mark.parametrize("call", CALLS, ids=str)
def test_signed_in_without_a_clinic_role_every_endpoint_answers_403_and_changes_nothing(
    api_as, world, call
):
    client = api_as(None)
    before = database_state()

    response = send(client, call, world)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"]
    assert database_state() == before


@pytest.mark.parametrize(("call", "role"), ROLE_CASES, ids=lambda v: str(v))
def test_each_role_may_call_exactly_the_endpoints_its_job_needs(api_as, world, call, role):
    client = api_as(role)
    before = database_state()

    response = send(client, call, world)

    if role in call.roles:
        assert response.status_code == call.success, response.content
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert database_state() == before


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_a_scheduler_or_a_nurse_cannot_add_a_provider(api_as, role):
    response = api_as(role).post(
        "/api/providers/", {"name": "Dr. Able", "npi": "1234567893"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Provider.objects.exists()


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_a_scheduler_or_a_nurse_cannot_add_a_room(api_as, role):
    SiteFactory(name="Main campus")

    response = api_as(role).post(
        "/api/rooms/", {"name": "Suite Z", "site": "Main campus"}, format="json"
    )

    assert response.status_code == 403
    assert not Room.objects.exists()


def test_without_credentials_an_unknown_patient_is_401_not_404(anon_api):
    # Nobody learns which ids exist before signing in.
    response = anon_api.get("/api/patients/987654/")

    assert response.status_code == 401


def test_a_wrong_role_is_refused_before_the_body_is_read(nurse_api):
    response = nurse_api.post("/api/providers/", "{not json", content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_an_inactive_staff_members_token_stops_working(api_as):
    client = api_as("manager")
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])

    response = client.get("/api/patients/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_staff_member_exchanges_a_username_and_password_for_a_token_that_works(
    make_staff, anon_api
):
    user = make_staff("nurse", username="nina")

    response = anon_api.post(
        "/api/auth/token/", {"username": "nina", "password": "pw-for-tests-1"}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    stored = ApiToken.objects.get(user=user)
    # Only a digest is kept: the token itself is shown once, in this answer.
    assert token not in {stored.digest, stored.token_key}
    assert stored.token_key == token[: len(stored.token_key)]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/drugs/").status_code == 200


def test_asking_twice_for_a_token_gives_two_tokens_that_both_work(make_staff, anon_api):
    # One per client (a desk's browser tab and a script), each revoked on its own.
    make_staff("scheduler", username="sam")
    body = {"username": "sam", "password": "pw-for-tests-1"}

    first = anon_api.post("/api/auth/token/", body, format="json").json()["token"]
    second = anon_api.post("/api/auth/token/", body, format="json").json()["token"]

    assert first != second
    assert ApiToken.objects.count() == 2
    for token in (first, second):
        anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert anon_api.get("/api/drugs/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "nina", "password": "wrong"},
        {"username": "nobody", "password": "pw-for-tests-1"},
        {"username": "NINA", "password": "pw-for-tests-1"},
        {"username": "nina", "password": ""},
        {"username": "nina"},
        {"password": "pw-for-tests-1"},
        {},
        {"username": ["nina"], "password": "pw-for-tests-1"},
        {"username": "nina\x00", "password": "pw-for-tests-1"},
    ],
    ids=[
        "wrong password",
        "unknown user",
        "username in another case",
        "empty password",
        "no password",
        "no username",
        "empty body",
        "username as a list",
        "a NUL in the username",
    ],
)
def test_bad_credentials_get_a_400_field_error_and_no_token(make_staff, anon_api, body):
    make_staff("nurse", username="nina")

    response = anon_api.post("/api/auth/token/", body, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()
    assert not ApiToken.objects.exists()


def test_an_inactive_staff_member_gets_no_token(make_staff, anon_api):
    user = make_staff("nurse", username="nina")
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = anon_api.post(
        "/api/auth/token/", {"username": "nina", "password": "pw-for-tests-1"}, format="json"
    )

    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_malformed_json_to_the_token_endpoint_is_a_400_in_the_error_shape(anon_api):
    response = anon_api.post("/api/auth/token/", "{username:", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert not ApiToken.objects.exists()


def test_a_signed_in_user_without_a_role_still_gets_a_token_but_it_opens_nothing(
    make_staff, anon_api
):
    make_staff(None, username="visitor")

    response = anon_api.post(
        "/api/auth/token/", {"username": "visitor", "password": "pw-for-tests-1"}, format="json"
    )
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    assert anon_api.get("/api/patients/").status_code == 403
