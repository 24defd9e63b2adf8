"""Where the pure rules meet the tables: a patient's facts, their rule set, one decision.

Procedures done here (completed appointments) and booked ones (scheduled or checked in)
count with the history entered from elsewhere, so a limit or a spacing rule sees every
session the patient has or will have. Booking calls this with the patient's row locked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from clinic.errors import Unprocessable
from clinic.models import Patient
from procedures import selectors as procedure_selectors
from procedures.holds import HoldInstruction
from procedures.models import ProcedureType
from procedures.rules import Decision, Facts, Request, RuleSetSpec, Session, State, evaluate
from procedures.rules.facts import FollowUp
from procedures.rules.holds import AnticoagulantHoldRule
from scheduling.availability import local_date
from scheduling.models import Appointment, Status
from scheduling.reminders.plan import past_evening_cut_off

COUNTED = (Status.SCHEDULED, Status.CHECKED_IN, Status.COMPLETED)


class NotEligible(Unprocessable):
    code = "not_eligible"


def appointment_sessions(
    patient_id: int, exclude_appointment_id: int | None = None
) -> list[Session]:
    rows = Appointment.objects.filter(patient_id=patient_id, status__in=COUNTED)
    if exclude_appointment_id is not None:
        rows = rows.exclude(pk=exclude_appointment_id)
    rows = rows.select_related("procedure_type").prefetch_related("follow_ups")
    return [
        Session(
            procedure=a.procedure_type.code,
            region=a.region,
            side=a.side,
            on=local_date(a.start),
            state=State.DONE if a.status == Status.COMPLETED else State.BOOKED,
            relief=a.relief_percent,
            relief_recorded_on=local_date(a.outcome_recorded_at) if a.outcome_recorded_at else None,
            counts_as_regions=tuple(a.procedure_type.counts_as_regions or ()),
            ref=f"appointment:{a.pk}",
            levels=tuple(a.levels or ()),
            follow_ups=tuple(FollowUp(f.assessed_on, f.relief_percent) for f in a.follow_ups.all()),
        )
        for a in rows
    ]


def case_request(
    procedure_type: ProcedureType, region: str, side: str, day: dt.date, levels: tuple[str, ...]
) -> Request:
    return Request(
        procedure_type.code,
        region,
        side,
        day,
        counts_as_regions=tuple(procedure_type.counts_as_regions or ()),
        levels=tuple(levels),
    )


@dataclass(frozen=True)
class PatientRules:
    """A patient's facts and rule set, read once, to judge as many dates as needed."""

    facts: Facts
    rule_set: RuleSetSpec
    today: dt.date
    patient_id: int = 0
    # The evening's quiet hours have begun: a last dose today can no longer be announced.
    past_cut_off: bool = False
    # Hold instructions by bleeding risk, read on first use (the drugs do not change here).
    _holds: dict[str, tuple[HoldInstruction, ...]] = field(default_factory=dict)
    # Bleeding risk by (procedure, region): a slot search judges dozens of dates of one case.
    _risks: dict[tuple[int, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, patient: Patient, exclude_appointment_id: int | None = None) -> PatientRules:
        sessions = appointment_sessions(patient.pk, exclude_appointment_id)
        sessions += procedure_selectors.history_sessions(patient.pk)
        facts = Facts(
            sessions=tuple(sessions),
            psych_evaluations=tuple(procedure_selectors.psych_facts(patient.pk)),
        )
        rule_set = procedure_selectors.rule_set_spec(
            procedure_selectors.rule_set_for_payer(patient.payer_id)
        )
        now = timezone.now()
        return cls(facts, rule_set, timezone.localdate(now), patient.pk, past_evening_cut_off(now))

    def holds(self, procedure_type: ProcedureType, region: str) -> tuple[HoldInstruction, ...]:
        key = (procedure_type.pk, region)
        if key not in self._risks:
            self._risks[key] = procedure_selectors.bleeding_risk(procedure_type, region)
        risk = self._risks[key]
        if risk not in self._holds:
            self._holds[risk] = tuple(procedure_selectors.hold_instructions(self.patient_id, risk))
        return self._holds[risk]

    def decide(
        self,
        procedure_type: ProcedureType,
        region: str,
        side: str,
        day: dt.date,
        levels: tuple[str, ...] = (),
    ) -> Decision:
        request = case_request(procedure_type, region, side, day, levels)
        # The hold table is clinic-wide, not per payer: it joins every rule set here.
        hold_rule = AnticoagulantHoldRule(
            "Anticoagulant hold", self.holds(procedure_type, region), self.past_cut_off
        )
        rules = RuleSetSpec(
            self.rule_set.code, self.rule_set.name, (*self.rule_set.rules, hold_rule)
        )
        return evaluate(self.facts, request, rules, self.today)

    def date_filter(
        self, procedure_type: ProcedureType, region: str, side: str, levels: tuple[str, ...] = ()
    ) -> Callable[[dt.date], bool]:
        def allowed(day: dt.date) -> bool:
            return self.decide(procedure_type, region, side, day, levels).allowed

        return allowed


def refusal(decision: Decision, procedure_type: ProcedureType, day: dt.date) -> NotEligible:
    count = len(decision.violations)
    summary = f"{procedure_type.code} on {day.isoformat()} breaks {count} rule{'s' * (count > 1)}"
    if decision.eligible_from:
        summary += f"; allowed from {decision.eligible_from.isoformat()}"
    else:
        summary += "; waiting alone will not cure it"
    first = decision.violations[0].detail
    return NotEligible(
        f"{summary}. {first}",
        eligible_from=decision.eligible_from,
        violations=[v.as_dict() for v in decision.violations],
    )


def require_eligible(
    *,
    patient: Patient,
    procedure_type: ProcedureType,
    region: str,
    side: str,
    day: dt.date,
    levels: tuple[str, ...] = (),
    exclude_appointment_id: int | None = None,
) -> None:
    """Raise `not_eligible` with every violation, or return when the rules allow the case."""
    rules = PatientRules.load(patient, exclude_appointment_id)
    decision = rules.decide(procedure_type, region, side, day, levels)
    if not decision.allowed:
        raise refusal(decision, procedure_type, day)
