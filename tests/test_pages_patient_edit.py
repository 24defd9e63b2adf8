"""The patient edit page: flags for nurses, contact and payer for schedulers, both for
managers, and the upcoming cases following what is saved."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent, Patient
from scheduling.models import Appointment
from tests.factories import PatientFactory, payer
from tests.pages_helpers import page_text
from tests.scheduling_helpers import local, post_booking

NOW = local(2026, 11, 2, 10, 0)
CASE = local(2026, 11, 19, 9, 0)

pytestmark = pytest.mark.clock_at(NOW)


def url(patient: Patient) -> str:
    return f"/patients/{patient.pk}/edit/"


def fields(html: str) -> set[str]:
    names = {"phone", "email", "preferred_channel", "payer"}
    names |= {"diabetic", "could_be_pregnant", "contrast_allergy"}
    return {name for name in names if f'name="{name}"' in html}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("scheduler", {"phone", "email", "preferred_channel", "payer"}),
        ("nurse", {"diabetic", "could_be_pregnant", "contrast_allergy"}),
        (
            "manager",
            {
                "phone",
                "email",
                "preferred_channel",
                "payer",
                "diabetic",
                "could_be_pregnant",
                "contrast_allergy",
            },
        ),
    ],
)
def test_each_role_edits_what_it_keeps(db, pages_as, role, expected):
    patient = PatientFactory()
    response = pages_as(role).get(url(patient))
    assert response.status_code == 200
    assert fields(response.content.decode()) == expected


def test_a_nurse_marks_an_allergy_and_the_booked_case_gets_premedication(
    clinic, pages_as, scheduler_api
):
    patient = PatientFactory()
    booked = post_booking(scheduler_api, clinic, patient, CASE, procedure_type="ESI_IL")
    case = Appointment.objects.get(pk=booked.json()["id"])

    nurse = pages_as("nurse")
    response = nurse.post(url(patient), {"contrast_allergy": "on"}, follow=True)

    assert response.redirect_chain[-1][0] == f"/patients/{patient.pk}/"
    text = page_text(response)
    assert "Saved: allergic to contrast." in text
    assert "1 upcoming case follows the change" in text
    assert case.checklist_items.filter(code="premedication").exists()
    patient.refresh_from_db()
    assert patient.contrast_allergy
    event = AuditEvent.objects.get(action="patient.update")
    assert event.changes == {"contrast_allergy": [False, True]}


def test_a_scheduler_changes_the_payer_and_the_authorization_item_follows(
    clinic, pages_as, scheduler_api, nurse_api
):
    patient = PatientFactory(payer=payer("aetna"))
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2026-10-01", "cleared": True},
    )
    booked = post_booking(
        scheduler_api, clinic, patient, CASE, procedure_type="SCS_TRIAL", region="thoracic"
    )
    case = Appointment.objects.get(pk=booked.json()["id"])
    assert case.checklist_items.filter(code="prior_auth").exists()

    response = pages_as("scheduler").post(
        url(patient),
        {
            "phone": str(patient.phone),
            "email": patient.email,
            "preferred_channel": "email",
            "payer": payer("self_pay").pk,
        },
        follow=True,
    )
    assert "Saved: payer." in page_text(response)
    assert not case.checklist_items.filter(code="prior_auth").exists()


def test_a_refused_change_is_shown_beside_its_field_and_nothing_is_saved(db, pages_as):
    patient = PatientFactory()
    response = pages_as("scheduler").post(
        url(patient), {"phone": "", "email": "", "preferred_channel": "email", "payer": ""}
    )
    assert response.status_code == 200
    assert "Email reminders need an email address." in page_text(response)
    patient.refresh_from_db()
    assert patient.email
    assert not AuditEvent.objects.filter(action="patient.update").exists()


def test_saving_unchanged_says_so_and_writes_nothing(db, pages_as):
    patient = PatientFactory()
    response = pages_as("nurse").post(url(patient), {}, follow=True)
    assert "Nothing changed" in page_text(response)
    assert not AuditEvent.objects.filter(action="patient.update").exists()


def test_the_patient_page_links_to_the_edit_page_by_role(db, pages_as):
    patient = PatientFactory()
    nurse = pages_as("nurse").get(f"/patients/{patient.pk}/").content.decode()
    scheduler = pages_as("scheduler").get(f"/patients/{patient.pk}/").content.decode()
    assert "Edit flags" in nurse and "Edit contact and payer" not in nurse
    assert "Edit contact and payer" in scheduler and "Edit flags" not in scheduler


def test_an_unknown_patient_is_a_404(db, pages_as):
    assert pages_as("manager").get("/patients/999999/edit/").status_code == 404


def test_unticking_the_last_flag_clears_it(clinic, pages_as, scheduler_api):
    patient = PatientFactory(diabetic=True)
    booked = post_booking(scheduler_api, clinic, patient, CASE, procedure_type="ESI_IL")
    case = Appointment.objects.get(pk=booked.json()["id"])
    assert case.checklist_items.filter(code="glucose").exists()
    response = pages_as("nurse").post(url(patient), {}, follow=True)
    assert "Saved: diabetic." in page_text(response)
    patient.refresh_from_db()
    assert not patient.diabetic
    assert not case.checklist_items.filter(code="glucose").exists()
