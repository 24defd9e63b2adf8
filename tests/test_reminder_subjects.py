"""Email subjects name no drug and no procedure: subjects show in inbox lists and phone
notifications (minimum necessary). The body still carries the details the patient needs.

Table-driven over every reminder kind and every procedure and drug of the catalog the
migrations install.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings

from procedures.choices import Family
from procedures.models import Drug, ProcedureType
from scheduling.models import Appointment, Reminder, ReminderKind
from scheduling.reminders import texts
from tests.factories import PatientFactory

# Words that would tell a reader of the subject line what is being treated, or with what.
TELLING_WORDS = {"blood", "thinner", "anticoagulant", "stimulator", "trial", "injection", "pain"}


def words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if len(word) >= 4}


def catalog_words(procedure: ProcedureType, drug: Drug) -> set[str]:
    """Every telling word of this procedure and drug: names, codes and class labels."""
    return (
        words(procedure.name)
        | words(procedure.code.replace("_", " "))
        | words(Family(procedure.family).label)
        | words(drug.name)
        | words(drug.code.replace("_", " "))
        | words(Drug.DrugClass(drug.drug_class).label)
        | TELLING_WORDS
    ) - words(settings.CLINIC_NAME)


def reminder_for(kind: str, procedure: ProcedureType, drug: Drug, patient: object) -> Reminder:
    appointment = Appointment(procedure_type=procedure, patient=patient)
    context = {"drug": drug.name, "last_dose_on": "2026-11-13", "first_day_without": "2026-11-14"}
    return Reminder(kind=kind, appointment=appointment, patient=patient, context=context)


@pytest.fixture
def catalog(db: None) -> tuple[list[ProcedureType], list[Drug]]:
    procedures, drugs = list(ProcedureType.objects.all()), list(Drug.objects.all())
    # The catalog the migrations seed: a stimulator trial, heparins, NSAIDs...
    assert len(procedures) >= 13 and len(drugs) >= 18
    return procedures, drugs


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_no_subject_names_a_drug_or_a_procedure_of_the_catalog(catalog, kind):
    procedures, drugs = catalog
    patient = PatientFactory.build(first_name="Rosalind")
    told = []
    for procedure in procedures:
        for drug in drugs:
            line = texts.subject(reminder_for(kind, procedure, drug, patient))
            if found := words(line) & catalog_words(procedure, drug):
                told.append((procedure.code, drug.code, line, sorted(found)))

    assert told == []


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_every_subject_names_the_clinic_and_what_the_message_is_about(kind):
    line = texts.subject(Reminder(kind=kind))

    assert line.startswith(f"A message from {settings.CLINIC_NAME}")
    assert "appointment" in line or "come in" in line


def test_the_medication_subjects_say_a_medication_instruction_without_naming_it():
    stop = texts.subject(Reminder(kind=ReminderKind.ANTICOAGULANT_STOP))
    restart = texts.subject(Reminder(kind=ReminderKind.ANTICOAGULANT_RESTART))

    assert stop.endswith(": a medication instruction before your appointment")
    assert restart.endswith(": a medication instruction after your appointment")


def test_the_subject_follows_the_clinic_name_setting(settings):
    settings.CLINIC_NAME = "Harbor Spine Center"

    assert texts.subject(Reminder(kind=ReminderKind.APPOINTMENT)) == (
        "A message from Harbor Spine Center about your appointment"
    )


def test_the_body_still_names_the_drug_and_the_procedure_for_the_patient(catalog):
    procedures, drugs = catalog
    procedure = next(p for p in procedures if p.code == "ESI_IL")
    warfarin = next(d for d in drugs if d.code == "warfarin")
    patient = PatientFactory.build(first_name="Rosalind")
    reminder = reminder_for(ReminderKind.ANTICOAGULANT_STOP, procedure, warfarin, patient)
    appointment = reminder.appointment
    appointment.start = dt.datetime(2026, 11, 19, 14, 0, tzinfo=dt.UTC)

    subject = texts.subject(reminder)
    body = texts.email_body(reminder, appointment)

    assert "Warfarin" not in subject and "epidural" not in subject.lower()
    assert "Your last dose of Warfarin" in body
    assert procedure.name.lower() in texts.email_body(
        Reminder(kind=ReminderKind.PAIN_DIARY, context={}), appointment
    )
