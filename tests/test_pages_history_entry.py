"""A nurse completes an outside procedure's relief on the page: how long it lasted, which a
repeat waits for (DOMAIN.md, "relief that lasts")."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent
from procedures import services as procedure_services
from procedures.models import ProcedureHistory, ProcedureType
from scheduling.eligibility import PatientRules
from tests.factories import PatientFactory
from tests.pages_helpers import html_of, page_text
from tests.scheduling_helpers import local

NOW = local(2026, 11, 18, 10, 0)

pytestmark = [pytest.mark.clock_at(NOW), pytest.mark.django_db]


@pytest.fixture
def entry() -> ProcedureHistory:
    return procedure_services.history_add(
        patient=PatientFactory(first_name="Alice", last_name="Moreno"),
        procedure_type=ProcedureType.objects.get(code="ESI_TF"),
        region="lumbar",
        side="left",
        performed_on=dt.date(2026, 9, 1),
        relief_percent=70,
        notes="Riverside Pain Center",
        acting_user=None,
    )


def url(entry: ProcedureHistory) -> str:
    return f"/patients/{entry.patient_id}/history/{entry.pk}/"


def repeat_allowed(entry: ProcedureHistory) -> bool:
    rules = PatientRules.load(entry.patient)
    esi = ProcedureType.objects.get(code="ESI_TF")
    return rules.decide(esi, "lumbar", "left", NOW.date()).allowed


def test_the_patient_page_offers_nurses_the_edit_and_schedulers_not(pages_as, entry):
    patient_page = f"/patients/{entry.patient_id}/"

    assert url(entry) in html_of(pages_as("nurse").get(patient_page))
    assert url(entry) in html_of(pages_as("manager").get(patient_page))
    assert url(entry) not in html_of(pages_as("scheduler").get(patient_page))


def test_a_nurse_adds_how_long_relief_lasted_and_the_repeat_is_allowed(pages_as, entry):
    nurse = pages_as("nurse")
    form = page_text(nurse.get(url(entry)))
    assert "Transforaminal epidural steroid injection (ESI_TF), lumbar left" in form
    assert "Riverside Pain Center" in form
    assert not repeat_allowed(entry)

    response = nurse.post(url(entry), {"relief_percent": "70", "relief_duration_days": "21"})

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{entry.patient_id}/"
    assert "Saved how long it lasted." in page_text(nurse.get(response["Location"]))
    entry.refresh_from_db()
    assert (entry.relief_percent, entry.relief_duration_days) == (70, 21)
    event = AuditEvent.objects.get(action="history.edit")
    assert event.changes["relief_duration_days"] == [None, 21]
    assert repeat_allowed(entry)


@pytest.mark.parametrize(
    ("days", "words"),
    [
        ("90", "relief cannot have lasted beyond today"),  # 1 Sep + 90 days is after today
        ("-1", "greater than or equal to 0"),
        ("ten", "Enter a whole number"),
    ],
)
def test_a_duration_that_cannot_be_is_refused_and_nothing_is_saved(pages_as, entry, days, words):
    response = pages_as("nurse").post(
        url(entry), {"relief_percent": "70", "relief_duration_days": days}
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing is saved yet" in text
    assert words in text
    entry.refresh_from_db()
    assert entry.relief_duration_days is None
    assert not AuditEvent.objects.filter(action="history.edit").exists()


def test_another_patients_entry_is_not_found(pages_as, entry):
    other = PatientFactory()

    response = pages_as("nurse").get(f"/patients/{other.pk}/history/{entry.pk}/")

    assert response.status_code == 404
