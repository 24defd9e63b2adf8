"""The rest of a benchmark patient's file: history, evaluations, drugs, authorizations, and the
checklists, holds and follow-ups of their cases (see bench_rows for the conventions)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from bench_clinic import between
from bench_patients import Case, Patient
from bench_rows import WINDOW_PAST_DAYS, Ids, Story
from django.conf import settings

from procedures.checklists import CaseFacts, applies
from procedures.holds import HoldDates, HoldInstruction, hold_dates
from scheduling.availability import at_local, clinic_zone
from scheduling.reminders.plan import clock_time

HISTORY_COLUMNS = [
    "id",
    "patient_id",
    "procedure_type_id",
    "region",
    "side",
    "levels",
    "performed_on",
    "relief_percent",
    "notes",
    "entered_by_id",
    "entered_at",
]
PSYCH_COLUMNS = [
    "id",
    "patient_id",
    "performed_on",
    "cleared",
    "notes",
    "entered_by_id",
    "entered_at",
]
MEDICATION_COLUMNS = ["id", "patient_id", "drug_id", "added_at", "added_by_id", "ended_at"]
AUTHORIZATION_COLUMNS = [
    "id",
    "patient_id",
    "procedure_type_id",
    "payer_id",
    "status",
    "number",
    "approved_units",
    "valid_from",
    "valid_to",
    "created_by_id",
    "created_at",
    "updated_at",
]
CHECKLIST_COLUMNS = [
    "id",
    "appointment_id",
    "template_id",
    "code",
    "label",
    "required",
    "order",
    "done",
    "value",
    "done_at",
    "done_by_id",
    "version",
    "changed_at",
    "changed_by_id",
]
HOLD_COLUMNS = [
    "id",
    "appointment_id",
    "drug_id",
    "bleeding_risk",
    "hold_days",
    "hold_hours",
    "last_dose_on",
    "first_day_without",
    "last_dose_at",
    "resume_at",
    "inr_required",
]
FOLLOW_UP_COLUMNS = [
    "id",
    "appointment_id",
    "assessed_on",
    "relief_percent",
    "pain_before",
    "pain_after",
    "recorded_at",
    "recorded_by_id",
]


def _noon(day: dt.date) -> dt.datetime:
    return at_local(day, dt.time(12))


def history_rows(patients: list[Patient], ids: Ids) -> Iterator[tuple[Any, ...]]:
    codes = {proc.code: proc.pk for proc in ids.procs}
    pk = 0
    for index, patient in enumerate(patients):
        for code, ordinal, region, side in patient.history:
            pk += 1
            day = dt.date.fromordinal(ordinal)
            relief = 70 if code == "SCS_TRIAL" else 85 if code == "MBB" else 40 + pk % 50
            yield (
                pk,
                index + 1,
                codes[code],
                region,
                side,
                "[]",
                day,
                relief,
                "Done elsewhere",
                ids.scheduler_id,
                _noon(day + dt.timedelta(days=10)),
            )


def psych_rows(patients: list[Patient], ids: Ids) -> Iterator[tuple[Any, ...]]:
    pk = 0
    for index, patient in enumerate(patients):
        if patient.psych_on:
            pk += 1
            day = dt.date.fromordinal(patient.psych_on)
            yield pk, index + 1, day, True, "", ids.scheduler_id, _noon(day)


def medication_rows(
    patients: list[Patient], first_seen: list[dt.datetime], ids: Ids
) -> Iterator[tuple[Any, ...]]:
    pk = 0
    for index, patient in enumerate(patients):
        if patient.drug:
            pk += 1
            added = first_seen[index] - dt.timedelta(days=3)
            yield pk, index + 1, ids.drugs[patient.drug][0], added, ids.scheduler_id, None


def needs_authorization(case: Case, patient: Patient, ids: Ids) -> bool:
    proc = ids.procs[case.slot.proc]
    payer = ids.payer_ids.get(patient.payer)
    return (payer, proc.pk) in ids.payer_auth


def authorization_rows(
    cases: list[Case], stories: list[Story], patients: list[Patient], ids: Ids, seed: int
) -> Iterator[tuple[Any, ...]]:
    """One authorization per case that needs one: approved, except a few still requested
    in the coming week (the dashboard's pipeline) and the cancelled-for-want-of-one."""
    rng, pk = random.Random(seed), 0
    soon = ids.today + dt.timedelta(days=8)
    for case, story in zip(cases, stories, strict=True):
        patient = patients[case.patient]
        if not needs_authorization(case, patient, ids):
            continue
        pk += 1
        day = case.slot.day
        status = "approved"
        if case.cancel_cause == "authorization_missing":
            status = "denied" if rng.random() < 0.5 else "requested"
        elif ids.today <= day <= soon and rng.random() < 0.12:
            status = "requested"
        approved = status == "approved"
        valid_from = story.created.date() if approved else None
        created = story.created - dt.timedelta(days=1)
        yield (
            pk,
            case.patient + 1,
            ids.proc_ids[case.slot.proc],
            ids.payer_ids[patient.payer],
            status,
            f"PA{pk:08d}" if approved else "",
            1 if approved else None,
            valid_from,
            valid_from + dt.timedelta(days=90) if valid_from else None,
            ids.scheduler_id,
            created,
            created,
        )


def in_window(case: Case, ids: Ids) -> bool:
    return (ids.today - case.slot.day).days <= WINDOW_PAST_DAYS


def case_holds(
    case: Case, story: Story, patient: Patient, ids: Ids
) -> list[tuple[HoldInstruction, HoldDates]]:
    """The holds the patient's drug needs before this case (the hold table's answer)."""
    if not patient.drug:
        return []
    proc = ids.procs[case.slot.proc]
    risk = ids.regional_risk.get((proc.pk, case.region), proc.bleeding_risk)
    hold = ids.holds.get((patient.drug, risk))
    if hold is None:
        return []
    dates = hold_dates(
        hold,
        start=story.start,
        end=story.end,
        zone=clinic_zone(),
        stop_clock=clock_time(settings.REMINDER_HOLD_STOP_TIME),
    )
    return [(hold, dates)]


def hold_rows(
    cases: list[Case], stories: list[Story], patients: list[Patient], ids: Ids
) -> Iterator[tuple[Any, ...]]:
    pk = 0
    for index, (case, story) in enumerate(zip(cases, stories, strict=True)):
        if not in_window(case, ids):
            continue
        for hold, dates in case_holds(case, story, patients[case.patient], ids):
            pk += 1
            yield (
                pk,
                index + 1,
                ids.drugs[hold.drug][0],
                hold.bleeding_risk,
                hold.hold_days,
                hold.hold_hours,
                dates.last_dose_on,
                dates.first_day_without,
                dates.last_dose_at,
                dates.resume_at,
                hold.inr_required,
            )


def checklist_rows(
    cases: list[Case], stories: list[Story], patients: list[Patient], ids: Ids, seed: int
) -> Iterator[tuple[Any, ...]]:
    """The items each case in the window needs; done ones ticked by a nurse."""
    rng, pk = random.Random(seed), 0
    for index, (case, story) in enumerate(zip(cases, stories, strict=True)):
        if not in_window(case, ids):
            continue
        patient, proc = patients[case.patient], ids.procs[case.slot.proc]
        holds = case_holds(case, story, patient, ids)
        facts = CaseFacts(
            procedure=proc.code,
            steroid=proc.steroid,
            fluoroscopy=proc.requires_fluoroscopy,
            contrast=proc.uses_contrast,
            sedation=proc.sedation,
            prior_auth_needed=needs_authorization(case, patient, ids),
            diabetic=patient.diabetic,
            could_be_pregnant=patient.could_be_pregnant,
            holds_any=bool(holds),
            inr_needed=any(h.inr_required for h, _ in holds),
        )
        days_ahead = (case.slot.day - ids.today).days
        share = (
            1.0
            if story.checked_in
            else 0.75
            if days_ahead <= 1
            else 0.4
            if days_ahead <= 7
            else 0.1
        )
        nurse = ids.nurse_ids[index % len(ids.nurse_ids)]
        for template in ids.templates:
            if not applies(template.condition, template.codes, facts):
                continue
            pk += 1
            done = rng.random() < share and not (case.override and template.code == "consent")
            value = ""
            if done and template.value_kind == "number":
                value = "1.1" if template.code == "inr" else str(between(rng, 90, 160))
            elif done and template.value_kind == "text":
                value = f"PA{index + 1:08d}"
            when = min(story.checked_in or ids.now, ids.now) - dt.timedelta(minutes=20)
            when = max(when, story.created)
            yield (
                pk,
                index + 1,
                template.pk,
                template.code,
                template.label,
                template.required,
                template.order,
                done,
                value,
                when if done else None,
                nurse if done else None,
                2 if done else 1,
                when if done else None,
                nurse if done else None,
            )


def follow_up_rows(
    cases: list[Case], stories: list[Story], ids: Ids, seed: int
) -> Iterator[tuple[Any, ...]]:
    """Relief three months on, for a quarter of the ablations and epidurals done."""
    rng, pk = random.Random(seed), 0
    for index, (case, story) in enumerate(zip(cases, stories, strict=True)):
        code = ids.procs[case.slot.proc].code
        if story.completed is None or not (code == "RFA" or code.startswith("ESI")):
            continue
        assessed = case.slot.day + dt.timedelta(days=90)
        if assessed > ids.today or rng.random() >= 0.25:
            continue
        pk += 1
        recorded = _noon(assessed)
        nurse = ids.nurse_ids[index % len(ids.nurse_ids)]
        yield pk, index + 1, assessed, between(rng, 0, 90), None, None, recorded, nurse
