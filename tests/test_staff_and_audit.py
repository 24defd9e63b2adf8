"""Staff accounts from the command line, role groups, and the audit trail of clinic writes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from rest_framework.test import APIClient

from clinic import services as clinic_services
from clinic.models import AuditEvent, AuditKind, Patient
from clinic.selectors import audit_trail
from procedures import services as procedure_services
from procedures.models import PatientMedication
from tests.factories import PatientFactory, PatientMedicationFactory, SiteFactory, drug, payer

pytestmark = pytest.mark.django_db

User = get_user_model()


def create_staff(*args: str) -> str:
    out = StringIO()
    call_command("create_staff", *args, stdout=out)
    return out.getvalue()


def group_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- create_staff --------------------------------------------------------------------------------


def test_create_staff_creates_a_nurse_who_can_sign_in():
    output = create_staff("nina", "--role", "nurse", "--password", "first-pass-123")

    user = User.objects.get(username="nina")
    assert "Created nurse nina" in output
    assert user.check_password("first-pass-123")
    assert group_names(user) == {"nurse"}
    assert user.is_staff is False
    assert user.is_superuser is False
    assert user.is_active is True


def test_create_staff_run_again_updates_the_same_user_rather_than_adding_one():
    create_staff("nina", "--role", "nurse", "--password", "first-pass-123")

    output = create_staff("nina", "--role", "manager", "--password", "second-pass-456")

    user = User.objects.get(username="nina")
    assert User.objects.count() == 1
    assert "Updated manager nina" in output
    assert user.check_password("second-pass-456")
    assert not user.check_password("first-pass-123")
    assert group_names(user) == {"manager"}


def test_a_manager_gets_the_admin_and_loses_it_when_moved_to_another_role():
    create_staff("max", "--role", "manager", "--password", "pw-123456")
    assert User.objects.get(username="max").is_staff is True

    create_staff("max", "--role", "scheduler", "--password", "pw-123456")

    user = User.objects.get(username="max")
    assert user.is_staff is False
    assert group_names(user) == {"scheduler"}


def test_create_staff_sets_the_email_when_given():
    create_staff("sam", "--role", "scheduler", "--password", "pw-123456", "--email", "s@x.org")

    assert User.objects.get(username="sam").email == "s@x.org"


def test_create_staff_keeps_groups_that_are_not_clinic_roles():
    other = Group.objects.create(name="billing")
    create_staff("sam", "--role", "scheduler", "--password", "pw-123456")
    User.objects.get(username="sam").groups.add(other)

    create_staff("sam", "--role", "nurse", "--password", "pw-123456")

    assert group_names(User.objects.get(username="sam")) == {"nurse", "billing"}


@pytest.mark.parametrize(
    "args",
    [
        ("nina", "--role", "surgeon", "--password", "pw-123456"),
        ("nina", "--password", "pw-123456"),
        ("nina", "--role", "nurse"),
    ],
    ids=["unknown role", "no role", "no password"],
)
def test_create_staff_refuses_a_bad_command_line_and_creates_nobody(args):
    with pytest.raises(CommandError):
        create_staff(*args)

    assert not User.objects.filter(username="nina").exists()


def test_a_user_made_by_create_staff_gets_a_token_and_works_in_their_role():
    create_staff("sam", "--role", "scheduler", "--password", "pw-123456")
    client = APIClient()

    token = client.post(
        "/api/auth/token/", {"username": "sam", "password": "pw-123456"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get("/api/patients/").status_code == 200
    assert client.post("/api/providers/", {}, format="json").status_code == 403


def test_the_role_groups_exist_and_only_managers_carry_admin_permissions():
    create_staff("max", "--role", "manager", "--password", "pw-123456")

    groups = {
        group.name: group
        for group in Group.objects.filter(name__in=["scheduler", "nurse", "manager"])
    }
    manager_permissions = {
        f"{app}.{codename}"
        for app, codename in groups["manager"].permissions.values_list(
            "content_type__app_label", "codename"
        )
    }

    assert set(groups) == {"scheduler", "nurse", "manager"}
    assert {
        "clinic.add_room",
        "clinic.change_provider",
        "procedures.change_holdrule",
        "procedures.change_proceduretype",
    } <= manager_permissions
    assert not any(name.startswith("auth.") for name in manager_permissions)
    assert not groups["scheduler"].permissions.exists()
    assert not groups["nurse"].permissions.exists()
    manager = User.objects.get(username="max")
    assert manager.has_perm("procedures.change_holdrule")
    assert not manager.has_perm("auth.change_user")


# --- The audit trail through the API ------------------------------------------------------------


def only_event(**filters) -> AuditEvent:
    # The write's own event: the read of its answer is audited apart (test_read_audit_api).
    events = list(AuditEvent.objects.filter(**filters).exclude(kind=AuditKind.READ))
    assert len(events) == 1, events
    return events[0]


def test_registering_a_patient_is_audited_with_its_actor_and_every_field(scheduler_api):
    response = scheduler_api.post(
        "/api/patients/",
        {
            "mrn": "A100",
            "first_name": "Ann",
            "last_name": "Lee",
            "birth_date": "1970-02-03",
            "payer": "medicare",
        },
        format="json",
    )
    patient = Patient.objects.get(pk=response.json()["id"])

    event = only_event()
    assert event.action == "patient.create"
    assert event.actor == scheduler_api.user
    assert event.object_type == "clinic.patient"
    assert event.object_id == str(patient.pk)
    assert event.changes["mrn"] == "A100"
    assert event.changes["first_name"] == "Ann"
    assert event.changes["birth_date"] == "1970-02-03"
    assert event.changes["payer"] == payer("medicare").pk
    assert event.changes["diabetic"] is False


def test_a_patch_is_audited_with_only_the_changed_fields_old_and_new(scheduler_api):
    patient = PatientFactory(first_name="Ann", phone="+12125550100", diabetic=False)

    scheduler_api.patch(
        f"/api/patients/{patient.pk}/",
        # last_name and diabetic are sent unchanged: they must not appear in the trail.
        {
            "first_name": "Anne",
            "phone": "+12125550199",
            "last_name": patient.last_name,
            "diabetic": False,
            "payer": "cigna",
        },
        format="json",
    )

    event = only_event(action="patient.update")
    assert event.actor == scheduler_api.user
    assert event.object_id == str(patient.pk)
    assert event.changes == {
        "first_name": ["Ann", "Anne"],
        "phone": ["+12125550100", "+12125550199"],
        "payer": [None, payer("cigna").pk],
    }


def test_a_date_change_is_audited_as_iso_dates(scheduler_api):
    patient = PatientFactory()

    scheduler_api.patch(f"/api/patients/{patient.pk}/", {"birth_date": "1961-05-17"}, format="json")

    assert only_event(action="patient.update").changes == {
        "birth_date": ["1960-05-17", "1961-05-17"]
    }


def test_a_patch_that_changes_nothing_writes_no_audit_row_and_keeps_updated_at(nurse_api):
    patient = PatientFactory(first_name="Ann")
    updated_at = patient.updated_at

    response = nurse_api.patch(f"/api/patients/{patient.pk}/", {"first_name": "Ann"}, format="json")

    assert response.status_code == 200
    assert not AuditEvent.objects.exclude(kind=AuditKind.READ).exists()
    patient.refresh_from_db()
    assert patient.updated_at == updated_at


def test_adding_a_medication_is_audited(nurse_api):
    patient = PatientFactory()

    response = nurse_api.post(
        f"/api/patients/{patient.pk}/medications/", {"drug": "apixaban"}, format="json"
    )

    event = only_event()
    assert event.action == "medication.add"
    assert event.actor == nurse_api.user
    assert event.object_type == "procedures.patientmedication"
    assert event.object_id == str(response.json()["id"])
    assert event.changes == {"patient": patient.pk, "drug": "apixaban"}


def test_ending_a_medication_is_audited_with_when_it_ended(manager_api):
    medication = PatientMedicationFactory(drug=drug("clopidogrel"))

    manager_api.delete(f"/api/patients/{medication.patient.pk}/medications/{medication.pk}/")

    medication.refresh_from_db()
    event = only_event()
    assert event.action == "medication.end"
    assert event.actor == manager_api.user
    assert event.object_id == str(medication.pk)
    assert event.changes == {
        "patient": medication.patient.pk,
        "drug": "clopidogrel",
        "ended_at": [None, medication.ended_at.isoformat()],
    }


def test_providers_and_rooms_added_by_a_manager_are_audited(manager_api):
    SiteFactory(name="Main campus")
    manager_api.post("/api/providers/", {"name": "Dr. Able", "npi": "1234567893"}, format="json")
    manager_api.post("/api/rooms/", {"name": "Fluoro 1", "site": "Main campus"}, format="json")

    provider_event = only_event(action="provider.create")
    room_event = only_event(action="room.create")
    assert provider_event.actor == manager_api.user
    assert provider_event.changes["npi"] == "1234567893"
    assert room_event.actor == manager_api.user
    assert room_event.changes["name"] == "Fluoro 1"


def test_the_audit_trail_of_a_patient_reads_newest_first(scheduler_api):
    created = scheduler_api.post(
        "/api/patients/",
        {"mrn": "A100", "first_name": "Ann", "last_name": "Lee", "birth_date": "1970-02-03"},
        format="json",
    ).json()
    scheduler_api.patch(f"/api/patients/{created['id']}/", {"last_name": "Li"}, format="json")

    actions = [event.action for event in audit_trail("clinic.patient", created["id"])]

    assert actions == ["patient.update", "patient.create"]


# --- Failed writes leave no audit row ------------------------------------------------------------


def test_a_refused_registration_leaves_no_audit_row(scheduler_api):
    PatientFactory(mrn="A100")

    scheduler_api.post(
        "/api/patients/",
        {"mrn": "A100", "first_name": "Ann", "last_name": "Lee", "birth_date": "1970-02-03"},
        format="json",
    )

    assert not AuditEvent.objects.exists()


def test_a_refused_patch_leaves_no_audit_row(nurse_api):
    patient = PatientFactory()

    nurse_api.patch(
        f"/api/patients/{patient.pk}/",
        {"first_name": "Anne", "birth_date": "2026-02-30"},
        format="json",
    )

    assert not AuditEvent.objects.exists()


def test_a_refused_duplicate_medication_leaves_no_audit_row(nurse_api):
    medication = PatientMedicationFactory()

    nurse_api.post(
        f"/api/patients/{medication.patient.pk}/medications/", {"drug": "warfarin"}, format="json"
    )

    assert not AuditEvent.objects.exists()


def test_ending_an_already_ended_medication_writes_no_second_audit_row(make_staff):
    nurse = make_staff("nurse")
    medication = PatientMedicationFactory()
    procedure_services.medication_end(medication=medication, acting_user=nurse)

    procedure_services.medication_end(medication=medication, acting_user=nurse)

    assert AuditEvent.objects.filter(action="medication.end").count() == 1


# --- The audit row and the change share one transaction ------------------------------------------
#
# An actor that was never saved cannot be referenced by an audit row: the audit insert fails
# after the change itself was written. If the two shared no transaction, the change would stay.


def ghost() -> object:
    return User(username="never-saved")


def test_a_patient_whose_audit_row_cannot_be_written_is_not_registered():
    with pytest.raises(ValueError):
        clinic_services.patient_create(
            acting_user=ghost(),
            mrn="A100",
            first_name="Ann",
            last_name="Lee",
            birth_date="1970-02-03",
        )

    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_patient_change_whose_audit_row_cannot_be_written_is_undone():
    patient = PatientFactory(first_name="Ann")

    with pytest.raises(ValueError):
        clinic_services.patient_update(patient=patient, acting_user=ghost(), first_name="Anne")

    patient.refresh_from_db()
    assert patient.first_name == "Ann"
    assert not AuditEvent.objects.exists()


def test_a_medication_end_whose_audit_row_cannot_be_written_is_undone():
    medication = PatientMedicationFactory()

    with pytest.raises(ValueError):
        procedure_services.medication_end(medication=medication, acting_user=ghost())

    medication.refresh_from_db()
    assert medication.ended_at is None
    assert not AuditEvent.objects.exists()


def test_a_medication_added_inside_a_transaction_that_fails_leaves_no_audit_row(make_staff):
    nurse = make_staff("nurse")
    patient = PatientFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        procedure_services.medication_add(patient=patient, drug=drug("warfarin"), acting_user=nurse)
        assert AuditEvent.objects.filter(action="medication.add").count() == 1
        raise RuntimeError("the caller's larger change failed")

    assert not PatientMedication.objects.exists()
    assert not AuditEvent.objects.exists()
