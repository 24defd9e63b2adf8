"""Booked cases follow the facts: the changes made outside `scheduling` that re-plan them.

A patient's flags, payer or channel (the API's patient update), and a manager's edits in the
admin of everything a plan or a place reads (checklist templates, reminder rules, payers'
authorization lists, drugs and the hold table, the catalog, rule sets, rooms, providers,
hours and closures) re-plan the upcoming cases in the transaction of the change, so nothing
booked keeps a plan the facts no longer give, and a case left outside hours or in an unfit
room is flagged at once.
"""

from __future__ import annotations

from typing import Any

from scheduling.recheck import recheck_after_commit
from scheduling.replan import replan_all, replan_patient, upcoming

# The patient fields a case plan reads (`scheduling.replan.case_input`, the reminders' channel).
PLANNED_FROM = frozenset(
    {"diabetic", "could_be_pregnant", "contrast_allergy", "payer", "preferred_channel"}
)

# The reference rows a plan or a place check reads, by model label.
REPLANNED_BY = frozenset(
    {
        "clinic.payer",
        "clinic.provider",
        "clinic.room",
        "procedures.checklistitemtemplate",
        "procedures.drug",
        "procedures.payerpriorauthorization",
        "procedures.proceduretype",
        "procedures.reminderrule",
        "procedures.ruleset",
        "scheduling.clinicday",
        "scheduling.clinichours",
        "scheduling.providerdayexception",
        "scheduling.roomclosure",
        "scheduling.workinghours",
    }
)


def patient_changed(patient: Any, changes: dict[str, Any], actor: Any = None, **_: Any) -> None:
    if not PLANNED_FROM & set(changes):
        return
    # The patient's row is locked by the update that sent this.
    replan_patient(patient.pk, actor=actor)
    if "payer" in changes:
        # Another payer may hold the patient to another rule set.
        recheck_after_commit(patient.pk)


def reference_changed(sender: Any, actor: Any = None, **_: Any) -> None:
    if sender._meta.label_lower in REPLANNED_BY:
        replan_all(upcoming(), actor=actor)
