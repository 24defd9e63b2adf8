"""The only place that changes procedure-side rows: medications and history."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import audit
from clinic.errors import Conflict
from clinic.models import Patient
from clinic.services import lock_patient
from clinic.users import as_user
from procedures.models import (
    Drug,
    PatientMedication,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
)
from procedures.signals import facts_changed

Actor = AbstractBaseUser | None


@transaction.atomic
def medication_add(*, patient: Patient, drug: Drug, acting_user: Actor) -> PatientMedication:
    """Record that the patient takes a drug now. Taking it already is a conflict, not a copy."""
    # Lock the patient so two desks adding the same drug cannot both insert.
    lock_patient(patient)
    medication = PatientMedication(
        patient=patient, drug=drug, added_by=as_user(acting_user) if acting_user else None
    )
    try:
        with transaction.atomic():
            medication.save()
    except IntegrityError as exc:
        raise Conflict(
            f"{patient.full_name} already takes {drug.name}.", code="medication_exists"
        ) from exc
    audit.record(
        actor=acting_user,
        action="medication.add",
        instance=medication,
        changes={"patient": patient.pk, "drug": drug.code},
    )
    return medication


@transaction.atomic
def medication_end(*, medication: PatientMedication, acting_user: Actor) -> PatientMedication:
    """The patient no longer takes the drug. The row stays, ended, for the record."""
    locked = PatientMedication.objects.select_for_update().get(pk=medication.pk)
    if locked.ended_at is None:
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        audit.record(
            actor=acting_user,
            action="medication.end",
            instance=locked,
            changes={
                "patient": locked.patient_id,
                "drug": locked.drug.code,
                "ended_at": [None, locked.ended_at.isoformat()],
            },
        )
    return locked


@transaction.atomic
def history_add(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    performed_on: dt.date,
    relief_percent: int | None = None,
    relief_duration_days: int | None = None,
    levels: list[str] | None = None,
    notes: str = "",
    acting_user: Actor,
) -> ProcedureHistory:
    """A procedure done elsewhere or before the clinic used this service; counts like ours."""
    # Lock the patient like a booking does: limits are counted under this lock.
    lock_patient(patient)
    entry = ProcedureHistory(
        patient=patient,
        procedure_type=procedure_type,
        region=region,
        side=side,
        performed_on=performed_on,
        relief_percent=relief_percent,
        relief_duration_days=relief_duration_days,
        levels=list(levels or []),
        notes=notes,
        entered_by=as_user(acting_user),
    )
    entry.full_clean()
    entry.save()
    audit.record(
        actor=acting_user, action="history.add", instance=entry, changes=audit.snapshot(entry)
    )
    facts_changed.send(sender=ProcedureHistory, patient_id=patient.pk)
    return entry


# What a history entry's edit may change: the outcome, which is often learned after the entry.
HISTORY_EDITABLE = ("relief_percent", "relief_duration_days", "levels")


class HistoryEdit(NamedTuple):
    entry: ProcedureHistory
    changed: dict[str, list[Any]]  # {field: [before, after]}; empty when nothing changed


@transaction.atomic
def history_edit(*, entry: ProcedureHistory, acting_user: Actor, **changes: Any) -> HistoryEdit:
    """Correct a history entry's relief, or add how long it lasted. Audited, before and after.

    Sending a value unchanged changes nothing and writes no `write` event.
    """
    unknown = set(changes) - set(HISTORY_EDITABLE)
    if unknown:
        raise ValueError(f"Not editable on a history entry: {', '.join(sorted(unknown))}")
    # Booking counts history and judges relief under the patient's lock: an edit takes it too,
    # first and then the row, the order every service here keeps.
    lock_patient(entry.patient)
    locked = ProcedureHistory.objects.select_for_update().get(pk=entry.pk)
    before = audit.snapshot(locked, HISTORY_EDITABLE)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    changed = audit.diff(before, audit.snapshot(locked, HISTORY_EDITABLE))
    if changed:
        locked.save(update_fields=list(changed))
        audit.record(
            actor=acting_user,
            action="history.edit",
            instance=locked,
            changes={"patient": locked.patient_id, **changed},
        )
    if changed:
        facts_changed.send(sender=ProcedureHistory, patient_id=locked.patient_id)
    return HistoryEdit(locked, changed)


@transaction.atomic
def psych_evaluation_add(
    *, patient: Patient, performed_on: dt.date, cleared: bool, notes: str = "", acting_user: Actor
) -> PsychEvaluation:
    evaluation = PsychEvaluation(
        patient=patient,
        performed_on=performed_on,
        cleared=cleared,
        notes=notes,
        entered_by=as_user(acting_user),
    )
    evaluation.full_clean()
    evaluation.save()
    audit.record(
        actor=acting_user,
        action="psych_evaluation.add",
        instance=evaluation,
        changes=audit.snapshot(evaluation),
    )
    facts_changed.send(sender=PsychEvaluation, patient_id=patient.pk)
    return evaluation


AUTHORIZATION_FIELDS = [
    "procedure_type",
    "payer",
    "status",
    "number",
    "approved_units",
    "valid_from",
    "valid_to",
]


@transaction.atomic
def authorization_save(
    *,
    patient: Patient,
    acting_user: Actor,
    authorization: PriorAuthorization | None = None,
    **fields: object,
) -> PriorAuthorization:
    """Record a request for authorization, or the payer's answer to it. Audited."""
    if authorization is None:
        authorization = PriorAuthorization(patient=patient, created_by=as_user(acting_user))
        before: dict[str, object] = {}
    else:
        authorization = PriorAuthorization.objects.select_for_update().get(pk=authorization.pk)
        before = audit.snapshot(authorization, AUTHORIZATION_FIELDS)
    for name, value in fields.items():
        setattr(authorization, name, value)
    authorization.full_clean()
    authorization.save()
    audit.record(
        actor=acting_user,
        action="authorization.save",
        instance=authorization,
        changes=audit.diff(before, audit.snapshot(authorization, AUTHORIZATION_FIELDS)),
    )
    return authorization
