"""Who may call every API endpoint: one table of (method, path) -> who, checked for each
clinic role, a signed-in user without a role, and no credentials at all.

The URL configuration is walked, so an endpoint (or a method of one) missing from the table
fails, and so does a row naming one that no longer exists. A role outside a row's set must
get 403 `permission_denied`; a role inside may get anything but 401 or 403 (a 400, 404 or
409 is the view answering, which is the point: the access check let it through). Every id
in a path is a real row, so an allowed call reaches the view.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from clinic.models import Patient, Payer
from clinic.roles import assign_role
from procedures.models import (
    AuthorizationStatus,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
)
from tests.factories import PatientFactory, PatientMedicationFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic
from tests.waitlist_helpers import freed_by_a_move, wait_for_epidural

# Who may call: the three roles, "no role" (signed in without a clinic role), "anonymous".
S, N, M = "scheduler", "nurse", "manager"
SCHEDULING = frozenset({S, M})
NURSING = frozenset({N, M})
MANAGERS = frozenset({M})
ALL = frozenset({S, N, M})
SIGNED_IN = ALL | {"no role"}  # sign-out: anyone may end their own token
PUBLIC = SIGNED_IN | {"anonymous"}  # sign-in and the API's description
WHO = (S, N, M, "no role", "anonymous")

TABLE: dict[tuple[str, str], frozenset[str]] = {
    # Getting in
    ("POST", "/api/auth/token/"): PUBLIC,
    ("POST", "/api/auth/logout/"): SIGNED_IN,
    ("GET", "/api/auth/me/"): ALL,
    ("GET", "/api/schema/"): PUBLIC,
    ("GET", "/api/docs/"): PUBLIC,
    # Reference data, people and places
    ("GET", "/api/procedure-types/"): ALL,
    ("GET", "/api/drugs/"): ALL,
    ("GET", "/api/providers/"): ALL,
    ("POST", "/api/providers/"): MANAGERS,
    ("GET", "/api/rooms/"): ALL,
    ("POST", "/api/rooms/"): MANAGERS,
    ("GET", "/api/equipment/"): ALL,
    ("POST", "/api/equipment/"): MANAGERS,
    # Patients: the desk registers; each role corrects its own fields (tests below)
    ("GET", "/api/patients/"): ALL,
    ("POST", "/api/patients/"): SCHEDULING,
    ("GET", "/api/patients/{pk}/"): ALL,
    ("PATCH", "/api/patients/{pk}/"): ALL,
    ("GET", "/api/patients/{pk}/eligibility/"): ALL,
    ("GET", "/api/patients/{pk}/pathways/"): ALL,
    # Clinical facts: the nurses'
    ("GET", "/api/patients/{pk}/history/"): ALL,
    ("POST", "/api/patients/{pk}/history/"): NURSING,
    ("PATCH", "/api/patients/{pk}/history/{entry_id}/"): NURSING,
    ("GET", "/api/patients/{pk}/psych-evaluations/"): ALL,
    ("POST", "/api/patients/{pk}/psych-evaluations/"): NURSING,
    ("GET", "/api/patients/{pk}/medications/"): ALL,
    ("POST", "/api/patients/{pk}/medications/"): NURSING,
    ("DELETE", "/api/patients/{pk}/medications/{medication_id}/"): NURSING,
    # Payers' prior authorizations: the schedulers'
    ("GET", "/api/patients/{pk}/prior-authorizations/"): ALL,
    ("POST", "/api/patients/{pk}/prior-authorizations/"): SCHEDULING,
    ("GET", "/api/prior-authorizations/"): ALL,
    ("PATCH", "/api/prior-authorizations/{pk}/"): SCHEDULING,
    # The calendar: the desk books, moves and cancels
    ("GET", "/api/slots/"): ALL,
    ("GET", "/api/appointments/"): ALL,
    ("POST", "/api/appointments/"): SCHEDULING,
    ("GET", "/api/appointments/{pk}/"): ALL,
    ("POST", "/api/appointments/{pk}/reschedule/"): SCHEDULING,
    ("POST", "/api/appointments/{pk}/cancel/"): SCHEDULING,
    # The waitlist and the times cancellations free: the desk's; everyone reads who waits
    ("GET", "/api/waitlist/"): ALL,
    ("POST", "/api/waitlist/"): SCHEDULING,
    ("GET", "/api/waitlist/{pk}/"): ALL,
    ("DELETE", "/api/waitlist/{pk}/"): SCHEDULING,
    ("GET", "/api/freed-slots/"): SCHEDULING,
    ("POST", "/api/freed-slots/{pk}/book/"): SCHEDULING,
    ("POST", "/api/freed-slots/{pk}/offer/"): SCHEDULING,
    ("POST", "/api/freed-slots/{pk}/decline/"): SCHEDULING,
    # The day of the case: the nurses; who did not come, anyone who saw it
    ("POST", "/api/appointments/{pk}/check-in/"): NURSING,
    ("POST", "/api/appointments/{pk}/complete/"): NURSING,
    ("POST", "/api/appointments/{pk}/no-show/"): ALL,
    ("POST", "/api/appointments/{pk}/outcome/"): NURSING,
    ("GET", "/api/appointments/{pk}/follow-ups/"): ALL,
    ("POST", "/api/appointments/{pk}/follow-ups/"): NURSING,
    ("GET", "/api/appointments/{pk}/checklist/"): ALL,
    ("PATCH", "/api/appointments/{pk}/checklist/{item_id}/"): NURSING,
    ("GET", "/api/worklist/"): NURSING,
    # Reminders; the failed ones and the audit trail are the managers'
    ("GET", "/api/appointments/{pk}/reminders/"): ALL,
    ("GET", "/api/reminders/"): MANAGERS,
    ("GET", "/api/audit/"): MANAGERS,
}

METHODS = ("get", "post", "put", "patch", "delete")


def walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def api_endpoints() -> set[tuple[str, str]]:
    """(METHOD, path) of every API view method, `<int:pk>` written `{pk}`."""
    found = set()
    for route, callback in walk(get_resolver().url_patterns):
        if not route.startswith("api/"):
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        assert view is not None, f"{path}: not a class-based view; the walk cannot see its methods"
        for method in METHODS:
            # A method the view has but does not serve (http_method_names) answers 405.
            if hasattr(view, method) and method in view.http_method_names:
                found.add((method.upper(), path))
    return found


ROWS = sorted(TABLE)


def test_the_table_names_every_api_endpoint_and_method_and_nothing_else():
    walked = api_endpoints()

    missing = sorted(walked - set(TABLE))
    gone = sorted(set(TABLE) - walked)

    assert not missing, f"endpoints nobody has decided who may call: {missing}"
    assert not gone, f"table rows for endpoints that do not exist: {gone}"


@dataclass(frozen=True)
class World:
    """Real rows for every id a path takes, and a user for each role."""

    ids: dict[str, int]
    users: dict[str, Any]

    def path(self, pattern: str) -> str:
        def fill(match: re.Match[str]) -> str:
            segment, name = match.group(1), match.group(2)
            key = name if name != "pk" else segment
            assert key in self.ids, f"{pattern}: no test row for {{{name}}} after {segment}/"
            return f"{segment}/{self.ids[key]}"

        return re.sub(r"([\w-]+)/\{(\w+)\}", fill, pattern)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once for the module, in a transaction rolled back at its end; each test runs in
    its own savepoint inside it, so one test's writes never reach the next."""
    with django_db_blocker.unblock(), transaction.atomic():
        clinic = make_small_clinic()
        patient = PatientFactory()
        medication = PatientMedicationFactory(patient=patient)
        day = timezone.localdate() + dt.timedelta(days=7)
        while day.weekday() >= 5:  # a weekday, in the providers' hours
            day += dt.timedelta(days=1)
        case = book_case(clinic, patient=patient, start=local(day.year, day.month, day.day, 10))
        item = case.checklist_items.first()
        assert item is not None, "a booked case has a checklist"
        authorization = PriorAuthorization.objects.create(
            patient=patient,
            procedure_type=ProcedureType.objects.get(code="MBB"),
            payer=Payer.objects.order_by("pk").first(),
            status=AuthorizationStatus.REQUESTED,
        )
        entry = ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=ProcedureType.objects.get(code="MBB"),
            region="lumbar",
            side="left",
            performed_on=timezone.localdate() - dt.timedelta(days=30),
        )
        waiting = wait_for_epidural(
            clinic, patient=patient, earliest=timezone.localdate(), latest=day
        )
        freed = freed_by_a_move(case)
        User = get_user_model()
        users = {}
        for who in (S, N, M, "no role"):
            # No password: a token is all these users need, and hashing one costs time.
            users[who] = User.objects.create_user(username=f"matrix-{who.replace(' ', '-')}")
            if who != "no role":
                assign_role(users[who], who)
        yield World(
            ids={
                "patients": patient.pk,
                "appointments": case.pk,
                "prior-authorizations": authorization.pk,
                "item_id": item.pk,
                "medication_id": medication.pk,
                "entry_id": entry.pk,
                "waitlist": waiting.pk,
                "freed-slots": freed.pk,
            },
            users=users,
        )
        transaction.set_rollback(True)


def client_for(world: World, who: str) -> APIClient:
    client = APIClient()
    if who != "anonymous":
        # A fresh token per call: the sign-out row revokes the one it is sent with.
        _, token = issue_token(world.users[who])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(("method", "pattern"), ROWS, ids=[f"{m} {p}" for m, p in ROWS])
def test_each_role_may_call_exactly_what_the_table_says(world, method, pattern, who):
    path = world.path(pattern)

    response = getattr(client_for(world, who), method.lower())(path, {}, format="json")

    if who in TABLE[(method, pattern)]:
        assert response.status_code not in (401, 403), (response.status_code, response.content)
    elif who == "anonymous":
        assert response.status_code == 401, response.content
        assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"


# A patient's record: every role corrects it, each only its own fields.


@pytest.fixture
def patient(db: None) -> Patient:
    return PatientFactory(first_name="Ann", diabetic=False)


@pytest.mark.django_db
def test_a_scheduler_changing_a_clinical_flag_is_refused_with_the_fields_named(api_as, patient):
    response = api_as(S).patch(
        f"/api/patients/{patient.pk}/", {"diabetic": True, "first_name": "Anne"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "Only nurses and managers change clinical flags: diabetic.",
    }
    patient.refresh_from_db()
    assert (patient.diabetic, patient.first_name) == (False, "Ann")


@pytest.mark.django_db
def test_a_nurse_changing_a_name_or_mrn_is_refused_with_the_fields_named(api_as, patient):
    response = api_as(N).patch(
        f"/api/patients/{patient.pk}/", {"first_name": "Anne", "mrn": "NEW-1"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"] == (
        "Only schedulers and managers change a patient's details: mrn, first_name."
    )
    patient.refresh_from_db()
    assert patient.first_name == "Ann"


@pytest.mark.django_db
def test_a_nurse_changes_clinical_flags_and_a_scheduler_changes_details(api_as, patient):
    by_nurse = api_as(N).patch(
        f"/api/patients/{patient.pk}/",
        {"diabetic": True, "contrast_allergy": True, "could_be_pregnant": True},
        format="json",
    )
    by_scheduler = api_as(S).patch(
        f"/api/patients/{patient.pk}/",
        {"first_name": "Anne", "phone": "(212) 555-0199", "payer": "medicare"},
        format="json",
    )

    assert by_nurse.status_code == 200, by_nurse.content
    assert by_scheduler.status_code == 200, by_scheduler.content
    patient.refresh_from_db()
    assert (patient.diabetic, patient.contrast_allergy, patient.first_name) == (True, True, "Anne")


@pytest.mark.django_db
def test_a_manager_changes_flags_and_details_at_once(api_as, patient):
    response = api_as(M).patch(
        f"/api/patients/{patient.pk}/", {"diabetic": True, "first_name": "Anne"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["diabetic"], response.json()["first_name"]) == (True, "Anne")


@pytest.mark.django_db
def test_a_nurse_sending_the_whole_record_back_is_judged_on_what_it_changes(api_as, patient):
    nurse = api_as(N)
    record = nurse.get(f"/api/patients/{patient.pk}/").json()

    response = nurse.patch(
        f"/api/patients/{patient.pk}/", {**record, "diabetic": True}, format="json"
    )

    assert response.status_code == 200, response.content
    patient.refresh_from_db()
    assert patient.diabetic is True


@pytest.mark.django_db
def test_a_scheduler_registers_a_patient_with_clinical_flags(api_as):
    response = api_as(S).post(
        "/api/patients/",
        {
            "mrn": "FLAGS-1",
            "first_name": "Ada",
            "last_name": "Ng",
            "birth_date": "1971-04-02",
            "diabetic": True,
            "contrast_allergy": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Patient.objects.get(mrn="FLAGS-1").diabetic is True
