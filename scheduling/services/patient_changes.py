"""Changes to a patient that reach into their booked cases: drugs and authorizations.

A drug added or stopped after booking changes the hold plan, its reminders and the
checklist of every upcoming case, in the same transaction as the change itself.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from clinic.models import Patient
from clinic.services import lock_patient
from procedures import services as procedure_services
from procedures.models import Drug, PatientMedication, PriorAuthorization
from scheduling import workflow
from scheduling.errors import InvalidTransition
from scheduling.models import Appointment, ChecklistItem, Status
from scheduling.replan import replan_patient
from scheduling.services.lifecycle import lock_appointment

Actor = AbstractBaseUser | None


@transaction.atomic
def medication_add(*, patient: Patient, drug: Drug, acting_user: Actor) -> PatientMedication:
    lock_patient(patient)
    medication = procedure_services.medication_add(
        patient=patient, drug=drug, acting_user=acting_user
    )
    replan_patient(patient.pk, actor=acting_user)
    return medication


@transaction.atomic
def medication_end(*, medication: PatientMedication, acting_user: Actor) -> PatientMedication:
    lock_patient(medication.patient)
    ended = procedure_services.medication_end(medication=medication, acting_user=acting_user)
    replan_patient(medication.patient_id, actor=acting_user)
    return ended


@transaction.atomic
def authorization_save(
    *,
    patient: Patient,
    acting_user: Actor,
    authorization: PriorAuthorization | None = None,
    **fields: object,
) -> PriorAuthorization:
    lock_patient(patient)
    saved = procedure_services.authorization_save(
        patient=patient, acting_user=acting_user, authorization=authorization, **fields
    )
    replan_patient(patient.pk, actor=acting_user, procedure_type_id=saved.procedure_type_id)
    return saved


@transaction.atomic
def checklist_tick(
    *,
    appointment: Appointment,
    item: ChecklistItem,
    done: bool,
    value: str | None,
    acting_user: Actor,
    expected_version: int | None = None,
) -> ChecklistItem:
    """Tick or untick an item. With `expected_version` (the version the nurse's page or the
    client read), a save over someone else's newer change is refused with `edit_conflict`."""
    locked = lock_appointment(appointment)
    if locked.status not in (Status.SCHEDULED, Status.CHECKED_IN):
        raise InvalidTransition(
            f"This appointment is {locked.get_status_display().lower()}; its checklist is closed."
        )
    item = ChecklistItem.objects.select_related("template", "changed_by").get(
        pk=item.pk, appointment=locked
    )
    return workflow.tick(
        appointment=locked,
        item=item,
        done=done,
        value=value,
        acting_user=acting_user,
        expected_version=expected_version,
    )
