"""Read-side queries for the patient pages: search rows with each patient's next case, and the
one screen of everything that decides a booking.

The same selectors the API reads (`clinic.selectors.patient_search`, `procedures.selectors`,
`scheduling.selectors`, `PatientRules`); a fixed number of queries whatever the number of
cases, reminders or history rows a patient has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from clinic import selectors as clinic_selectors
from clinic.models import Patient
from procedures import selectors as procedure_selectors
from procedures.choices import BleedingRisk
from procedures.models import (
    HoldRule,
    PatientMedication,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
)
from procedures.rules import Decision
from scheduling.availability import local_day_bounds
from scheduling.eligibility import PatientRules
from scheduling.models import Appointment, Reminder, Status
from scheduling.pathway_status import PathwayLine, evaluator, pathway_status
from scheduling.selectors import appointment_list

UPCOMING = (Status.SCHEDULED, Status.CHECKED_IN)
RISKS = (BleedingRisk.HIGH, BleedingRisk.INTERMEDIATE, BleedingRisk.LOW)


# --- The list ------------------------------------------------------------------------------------


def _with_next_case_id(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    # One index probe per listed row (appointment_patient_start), never a join over all cases.
    next_case = Appointment.objects.filter(
        patient_id=OuterRef("pk"), status__in=UPCOMING, start__gte=timezone.now()
    ).order_by("start", "id")
    return patients.annotate(next_case_id=Subquery(next_case.values("pk")[:1]))


def search_rows(query: str) -> QuerySet[Patient]:
    return _with_next_case_id(clinic_selectors.patient_search(query))


def recent_rows() -> QuerySet[Patient]:
    return _with_next_case_id(clinic_selectors.patients_recently_changed())


def attach_next_cases(patients: Sequence[Patient]) -> None:
    """Set `next_case` (an Appointment or None) on rows from search_rows(): one query."""
    ids = [p.next_case_id for p in patients if p.next_case_id]  # type: ignore[attr-defined]
    cases = Appointment.objects.select_related("procedure_type").in_bulk(ids)
    for patient in patients:
        patient.next_case = cases.get(patient.next_case_id)  # type: ignore[attr-defined]


# --- What a medication means for a hold -----------------------------------------------------------


def _risks(risks: Iterable[str]) -> str:
    """["high", "intermediate"] -> "high- and intermediate-risk procedures"."""
    chosen = [r for r in RISKS if r in set(risks)]
    if len(chosen) == len(RISKS):
        return "procedures of every risk"
    words = [f"{r}-" for r in chosen[:-1]] + [f"{chosen[-1]}-risk"]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{joined} procedures"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'s' * (n != 1)}"


def hold_meaning(drug_name: str, rules: Iterable[HoldRule]) -> str:
    """ "Warfarin: stopped 5 days before high- and intermediate-risk procedures, INR on the day;
    restarts 6 hours after" from the drug's rows of the hold table."""
    rules = list(rules)
    held = [r for r in rules if r.holds]
    # "Prescriber decides" rows plan no hold: the prescriber's decision is a checklist item.
    decided = [r.bleeding_risk for r in rules if r.prescriber_decides]
    prescriber = f"the prescriber decides before {_risks(decided)}" if decided else ""
    if not held:
        if prescriber:
            return f"{drug_name}: no automatic hold; {prescriber}."
        return f"{drug_name}: no hold before any procedure."
    by_hold: dict[tuple[int, int, bool], list[str]] = {}
    for rule in held:
        by_hold.setdefault((rule.hold_days, rule.hold_hours, rule.inr_required), []).append(
            rule.bleeding_risk
        )
    parts = []
    for (days, hours, inr), risks in by_hold.items():
        length = _plural(days, "day") if days else _plural(hours, "hour")
        parts.append(
            f"stopped {length} before {_risks(risks)}" + (", INR on the day" if inr else "")
        )
    by_restart: dict[int, list[str]] = {}
    for rule in held:
        by_restart.setdefault(rule.restart_hours, []).append(rule.bleeding_risk)
    if len(by_restart) == 1:
        parts.append(f"restarts {_plural(next(iter(by_restart)), 'hour')} after")
    else:
        parts.append(
            "restarts "
            + ", ".join(
                f"{_plural(hours, 'hour')} after {_risks(risks)}"
                for hours, risks in by_restart.items()
            )
        )
    if prescriber:
        parts.append(prescriber)
    return f"{drug_name}: " + "; ".join(parts) + "."


# --- The patient page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Medication:
    name: str
    since: dt.datetime
    meaning: str


@dataclass(frozen=True)
class Treatment:
    """One procedure the rules count: done here (a completed case) or entered from elsewhere."""

    on: dt.date
    procedure: ProcedureType
    region: str
    side: str
    relief_percent: int | None
    here: Appointment | None  # the case, when it was done here
    notes: str = ""
    levels: tuple[str, ...] = ()
    # How long relief lasted, for history entered from elsewhere (None: not known).
    relief_duration_days: int | None = None
    entry_id: int | None = None  # the history entry, for one entered from elsewhere


def phone_display(patient: Patient) -> str:
    """National format for the clinic's country ("(212) 555-0123"), international otherwise."""
    phone = patient.phone
    if not phone:
        return ""
    home = phonenumbers.country_code_for_region(settings.PHONENUMBER_DEFAULT_REGION)
    return str(phone.as_national if phone.country_code == home else phone.as_international)


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    phone: str
    age: int
    rule_set_name: str
    medications: list[Medication]
    treatments: list[Treatment]
    psych_evaluations: list[PsychEvaluation]
    authorizations: list[PriorAuthorization]
    pathways: list[PathwayLine]
    upcoming: list[Appointment]
    past: list[Appointment]
    reminders: list[Reminder]


def _medications(patient: Patient) -> list[Medication]:
    current: QuerySet[PatientMedication] = procedure_selectors.current_medications(
        patient
    ).prefetch_related("drug__hold_rules")
    return [
        Medication(m.drug.name, m.added_at, hold_meaning(m.drug.name, m.drug.hold_rules.all()))
        for m in current
    ]


def patient_pathways(rules: PatientRules) -> list[PathwayLine]:
    """The pathway lines, every next step judged as booking would judge it (holds included)."""
    types = {t.code: t for t in procedure_selectors.procedure_types_active()}
    # A procedure withdrawn from the catalog cannot be booked; judged by the rule set alone.
    withdrawn = evaluator(rules.facts, rules.rule_set, rules.today)

    def judge(code: str, region: str, side: str, day: dt.date) -> Decision:
        if code not in types:
            return withdrawn(code, region, side, day)
        return rules.decide(types[code], region, side, day)

    return pathway_status(rules.facts, rules.rule_set, rules.today, judge)


def patient_record(patient: Patient) -> PatientRecord:
    rules = PatientRules.load(patient)
    cases = list(appointment_list(patient_id=patient.pk))
    today_starts, _ = local_day_bounds(timezone.localdate())
    upcoming = [c for c in cases if c.status in UPCOMING and c.start >= today_starts]
    upcoming_ids = {c.pk for c in upcoming}
    past = [c for c in reversed(cases) if c.pk not in upcoming_ids]
    history = ProcedureHistory.objects.filter(patient=patient).select_related("procedure_type")
    treatments = [
        Treatment(
            h.performed_on,
            h.procedure_type,
            h.region,
            h.side,
            h.relief_percent,
            None,
            h.notes,
            tuple(h.levels or ()),
            h.relief_duration_days,
            h.pk,
        )
        for h in history
    ] + [
        Treatment(
            timezone.localdate(c.start),
            c.procedure_type,
            c.region,
            c.side,
            c.relief_percent,
            c,
            levels=tuple(c.levels or ()),
        )
        for c in cases
        if c.status == Status.COMPLETED
    ]
    treatments.sort(key=lambda t: t.on, reverse=True)
    return PatientRecord(
        patient=patient,
        phone=phone_display(patient),
        age=age_on(patient.birth_date, rules.today),
        rule_set_name=rules.rule_set.name,
        medications=_medications(patient),
        treatments=treatments,
        psych_evaluations=list(PsychEvaluation.objects.filter(patient=patient)),
        authorizations=list(
            PriorAuthorization.objects.filter(patient=patient).select_related(
                "procedure_type", "payer"
            )
        ),
        pathways=patient_pathways(rules),
        upcoming=upcoming,
        past=past,
        reminders=list(
            Reminder.objects.filter(patient=patient)
            .select_related("appointment__procedure_type")
            .order_by("-due_at", "-id")
        ),
    )
