"""A demo patient's chart: what the rules know of them, at any moment of the demo's past.

The demo checks every case it plans with `scheduling.eligibility.PatientRules`, the object
booking uses, fed with the facts as they stood when the case was booked: the history entered
from elsewhere, the evaluations, and the demo's own cases as they were at that moment (a
case completed later was still booked; a relief recorded later was not known yet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from clinic.models import Patient
from procedures import selectors as procedure_selectors
from procedures.models import ProcedureType
from procedures.rules import Decision, Facts, RuleSetSpec
from scheduling.availability import local_date
from scheduling.demo.cases import DemoCase
from scheduling.eligibility import PatientRules, premedication_leads


class RuleSets:
    """Each payer's rule set, read once for the whole demo."""

    def __init__(self) -> None:
        self._specs: dict[int | None, RuleSetSpec] = {}
        self._leads: dict[int | None, tuple[tuple[int | None, int], ...]] = {}

    def for_payer(self, payer_id: int | None) -> RuleSetSpec:
        if payer_id not in self._specs:
            rule_set = procedure_selectors.rule_set_for_payer(payer_id)
            self._specs[payer_id] = procedure_selectors.rule_set_spec(rule_set)
            self._leads[payer_id] = premedication_leads(rule_set.pk)
        return self._specs[payer_id]

    def premedication(self, payer_id: int | None) -> tuple[tuple[int | None, int], ...]:
        self.for_payer(payer_id)
        return self._leads[payer_id]


@dataclass
class Chart:
    patient: Patient
    rules: PatientRules  # as loaded now; its hold instructions are read once and kept
    cases: list[DemoCase] = field(default_factory=list)

    @classmethod
    def load(cls, patient: Patient, rule_sets: RuleSets, today: dt.date) -> Chart:
        """History from elsewhere and evaluations, read once. The demo plans only patients it
        has just registered, so none has an appointment yet: all of theirs are in `cases`."""
        facts = Facts(
            sessions=tuple(procedure_selectors.history_sessions(patient.pk)),
            psych_evaluations=tuple(procedure_selectors.psych_facts(patient.pk)),
        )
        leads = rule_sets.premedication(patient.payer_id) if patient.contrast_allergy else ()
        rules = PatientRules(
            facts, rule_sets.for_payer(patient.payer_id), today, patient.pk, premedication=leads
        )
        return cls(patient, rules)

    def facts_at(self, moment: dt.datetime) -> Facts:
        ours = (case.session_at(moment) for case in self.cases)
        return self.rules.facts.with_sessions(s for s in ours if s is not None)

    def decide(
        self,
        procedure: ProcedureType,
        region: str,
        side: str,
        day: dt.date,
        *,
        booked_at: dt.datetime,
        at: dt.datetime | None = None,
    ) -> Decision:
        """What booking would have answered at `booked_at`, for a case on `day` (at `at`)."""
        rules = replace(
            self.rules, facts=self.facts_at(booked_at), today=local_date(booked_at), now=booked_at
        )
        return rules.decide(procedure, region, side, day, at=at)
