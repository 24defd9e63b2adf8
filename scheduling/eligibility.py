"""Where the pure rules meet the tables: a patient's facts, their rule set, one decision.

Procedures done here (completed appointments) and booked ones (scheduled or checked in)
count with the history entered from elsewhere, so a limit or a spacing rule sees every
session the patient has or will have. Booking calls this with the patient's row locked.

Two rules count hours from now, so they are built per request from the moment the rules
were read: an hour-long hold (heparins) and, for a contrast-allergic patient, contrast
premedication, whose lead time is the premedication reminder's (a row a manager edits), so
booking never accepts a case the reminder could not reach in time.
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
from procedures.models import ProcedureType, ReminderRule
from procedures.rules import Decision, Facts, Request, RuleSetSpec, Session, State, evaluate
from procedures.rules.evaluate import Rule
from procedures.rules.facts import FollowUp
from procedures.rules.holds import AnticoagulantHoldRule
from procedures.rules.timing import PremedicationRule
from scheduling.availability import at_local, clinic_zone, local_date
from scheduling.models import Appointment, Status
from scheduling.reminders.plan import past_evening_cut_off

COUNTED = (Status.SCHEDULED, Status.CHECKED_IN, Status.COMPLETED)


class NotEligible(Unprocessable):
    code = "not_eligible"


def _counted_cases(patient_id: int, exclude_appointment_id: int | None) -> list[Appointment]:
    rows = Appointment.objects.filter(patient_id=patient_id, status__in=COUNTED)
    if exclude_appointment_id is not None:
        rows = rows.exclude(pk=exclude_appointment_id)
    return list(rows.select_related("procedure_type").prefetch_related("follow_ups"))


def _session(a: Appointment) -> Session:
    return Session(
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


def appointment_sessions(
    patient_id: int, exclude_appointment_id: int | None = None
) -> list[Session]:
    """The patient's cases here that the rules count (done, booked, checked in)."""
    return [_session(a) for a in _counted_cases(patient_id, exclude_appointment_id)]


def case_request(
    procedure_type: ProcedureType,
    region: str,
    side: str,
    day: dt.date,
    levels: tuple[str, ...],
    at: dt.datetime | None = None,
) -> Request:
    return Request(
        procedure_type.code,
        region,
        side,
        day,
        counts_as_regions=tuple(procedure_type.counts_as_regions or ()),
        levels=tuple(levels),
        at=at,
    )


# A premedication lead: the procedure it is for (None: every procedure) and its minutes.
Lead = tuple[int | None, int]


def premedication_leads(rule_set_id: int) -> tuple[Lead, ...]:
    """The leads of the active premedication reminders under a rule set, for every procedure.

    The rows are chosen as the reminder planner chooses them (active, sent at booking, the
    set's own rows before the rows for every set), then only those sent before the start
    count: their lead is how long before the start the patient must hear.
    """
    rows = [
        r
        for r in procedure_selectors.active_reminder_rules()
        if r.kind == ReminderRule.Kind.PREMEDICATION and r.trigger == ReminderRule.Trigger.BOOKED
    ]
    chosen = procedure_selectors.reminder_rules_for_set(rows, rule_set_id)
    return tuple(
        (row.procedure_type_id, -row.offset_minutes)
        for row in chosen
        if row.anchor == ReminderRule.Anchor.START and row.offset_minutes < 0
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
    # The moment hour holds and premedication count from; None leaves them out (a caller
    # judging dates as of another moment than now).
    now: dt.datetime | None = None
    # Premedication leads, read for a contrast-allergic patient only (empty otherwise).
    premedication: tuple[Lead, ...] = ()
    # Hold instructions by bleeding risk, read on first use (the drugs do not change here).
    _holds: dict[str, tuple[HoldInstruction, ...]] = field(default_factory=dict)
    # Bleeding risk by (procedure, region): a slot search judges dozens of dates of one case.
    _risks: dict[tuple[int, str], str] = field(default_factory=dict)
    # When the patient's scheduled cases start (a booking asks whether any comes later).
    scheduled_starts: tuple[dt.datetime, ...] = ()

    @classmethod
    def load(cls, patient: Patient, exclude_appointment_id: int | None = None) -> PatientRules:
        cases = _counted_cases(patient.pk, exclude_appointment_id)
        sessions = [_session(a) for a in cases]
        sessions += procedure_selectors.history_sessions(patient.pk)
        facts = Facts(
            sessions=tuple(sessions),
            psych_evaluations=tuple(procedure_selectors.psych_facts(patient.pk)),
        )
        rule_set_row = procedure_selectors.rule_set_for_payer(patient.payer_id)
        rule_set = procedure_selectors.rule_set_spec(rule_set_row)
        now = timezone.now()
        return cls(
            facts,
            rule_set,
            timezone.localdate(now),
            patient.pk,
            past_evening_cut_off(now),
            now=now,
            premedication=(
                premedication_leads(rule_set_row.pk) if patient.contrast_allergy else ()
            ),
            scheduled_starts=tuple(a.start for a in cases if a.status == Status.SCHEDULED),
        )

    def holds(self, procedure_type: ProcedureType, region: str) -> tuple[HoldInstruction, ...]:
        key = (procedure_type.pk, region)
        if key not in self._risks:
            self._risks[key] = procedure_selectors.bleeding_risk(procedure_type, region)
        risk = self._risks[key]
        if risk not in self._holds:
            self._holds[risk] = tuple(procedure_selectors.hold_instructions(self.patient_id, risk))
        return self._holds[risk]

    def scheduled_after(self, moment: dt.datetime) -> bool:
        """Whether the patient has a case scheduled here starting after `moment`."""
        return any(start > moment for start in self.scheduled_starts)

    def premedication_lead(self, procedure_type: ProcedureType) -> dt.timedelta | None:
        """How long before the start a contrast-allergic patient must hear of premedication
        for this procedure (the largest lead that applies); None when nothing applies."""
        if not procedure_type.uses_contrast:
            return None
        minutes = [m for pk, m in self.premedication if pk in (None, procedure_type.pk)]
        return dt.timedelta(minutes=max(minutes)) if minutes else None

    def decide(
        self,
        procedure_type: ProcedureType,
        region: str,
        side: str,
        day: dt.date,
        levels: tuple[str, ...] = (),
        at: dt.datetime | None = None,
    ) -> Decision:
        """Judge the case on `day`, from the start `at` when one is asked for (else the whole
        day, whose early starts count: see `procedures.rules.timing`)."""
        request = case_request(procedure_type, region, side, day, levels, at)
        zone = clinic_zone()
        now = self.now.astimezone(zone) if self.now is not None else None
        # The hold table is clinic-wide, not per payer: it joins every rule set here. One rule
        # per drug, so each drug's refusal carries its own cure (a heparin's start today
        # beside warfarin's date next week), as its sentence says.
        extra: list[Rule] = [
            AnticoagulantHoldRule(
                f"Anticoagulant hold: {hold.drug_name}",
                (hold,),
                self.past_cut_off,
                now=now,
                zone=zone,
            )
            for hold in self.holds(procedure_type, region)
        ]
        lead = self.premedication_lead(procedure_type)
        if now is not None and lead is not None:
            extra.append(PremedicationRule("Contrast premedication", lead, now, zone))
        rules = RuleSetSpec(self.rule_set.code, self.rule_set.name, (*self.rule_set.rules, *extra))
        return evaluate(self.facts, request, rules, self.today)

    def date_filter(
        self, procedure_type: ProcedureType, region: str, side: str, levels: tuple[str, ...] = ()
    ) -> Callable[[dt.date], bool]:
        def allowed(day: dt.date) -> bool:
            return self.decide(procedure_type, region, side, day, levels).allowed

        return allowed

    def first_start_on(
        self,
        procedure_type: ProcedureType,
        region: str,
        side: str,
        day: dt.date,
        levels: tuple[str, ...] = (),
    ) -> dt.datetime | None:
        """The earliest start on `day` the rules allow: the day's first moment when they allow
        the whole day, a later start when only the hours from now forbid the early ones, None
        when they forbid the day."""
        decision = self.decide(procedure_type, region, side, day, levels)
        if decision.allowed:
            return at_local(day, dt.time.min)
        if decision.eligible_from == day and decision.eligible_at is not None:
            return decision.eligible_at
        return None


def refusal(decision: Decision, procedure_type: ProcedureType, day: dt.date) -> NotEligible:
    count = len(decision.violations)
    summary = f"{procedure_type.code} on {day.isoformat()} breaks {count} rule{'s' * (count > 1)}"
    if decision.eligible_from:
        summary += f"; allowed from {decision.eligible_from.isoformat()}"
        if decision.eligible_at is not None:
            summary += f" at {decision.eligible_at.astimezone(clinic_zone()):%H:%M}"
    else:
        summary += "; waiting alone will not cure it"
    first = decision.violations[0].detail
    extra = {}
    if decision.eligible_at is not None:
        extra["eligible_at"] = decision.eligible_at.isoformat()
    return NotEligible(
        f"{summary}. {first}",
        eligible_from=decision.eligible_from,
        violations=[v.as_dict() for v in decision.violations],
        extra=extra,
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
    start: dt.datetime | None = None,
) -> PatientRules:
    """Raise `not_eligible` with every violation, or return the patient's rules when they
    allow the case (at `start` when given: hour holds and premedication judge the start, not
    the day)."""
    rules = PatientRules.load(patient, exclude_appointment_id)
    decision = rules.decide(procedure_type, region, side, day, levels, at=start)
    if not decision.allowed:
        raise refusal(decision, procedure_type, day)
    return rules
