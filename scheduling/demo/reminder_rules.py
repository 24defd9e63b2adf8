"""The reminder rows each demo case gets, picked as `scheduling.reminders.plan` picks them.

A row may belong to one rule set (Medicare proves an epidural's relief at three months, not
two weeks): the patient's rule set's own rows win over the rows for every set of the same
kind and procedure. The relief follow-ups among them are also the days the demo's nurses
phone patients to ask how much relief is left, the follow-ups that prove relief lasted.
"""

from __future__ import annotations

from clinic.models import Patient
from procedures import selectors as procedure_selectors
from procedures.models import ProcedureType, ReminderRule

MINUTES_A_DAY = 24 * 60


class ReminderRules:
    def __init__(self) -> None:
        self.rows = list(ReminderRule.objects.filter(active=True).order_by("pk"))
        self._rule_sets: dict[int | None, int] = {}

    def _rule_set_id(self, payer_id: int | None) -> int:
        if payer_id not in self._rule_sets:
            self._rule_sets[payer_id] = procedure_selectors.rule_set_for_payer(payer_id).pk
        return self._rule_sets[payer_id]

    def for_case(
        self, patient: Patient, procedure: ProcedureType, trigger: str
    ) -> list[ReminderRule]:
        rows = [
            r
            for r in self.rows
            if r.trigger == trigger and r.procedure_type_id in (None, procedure.pk)
        ]
        return procedure_selectors.reminder_rules_for_set(rows, self._rule_set_id(patient.payer_id))

    def relief_follow_up_days(self, patient: Patient, procedure: ProcedureType) -> tuple[int, ...]:
        """Days after the case on which its relief is asked again, earliest first."""
        return tuple(
            sorted(
                {
                    r.offset_minutes // MINUTES_A_DAY
                    for r in self.for_case(patient, procedure, ReminderRule.Trigger.COMPLETED)
                    if r.kind == ReminderRule.Kind.RELIEF_FOLLOW_UP
                    and r.anchor == ReminderRule.Anchor.START
                    and r.offset_minutes > 0
                }
            )
        )
