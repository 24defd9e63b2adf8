"""Booked cases judged again under the rules as they are now (DOMAIN.md: rule set changes).

A rule set change applies to bookings made after it; a case booked before it that the rules
would now refuse is flagged for attention with the refusal's sentence, never cancelled. A
case the rules allow again has its flag cleared. The hold rule is left out: a hold that can
no longer be met is the re-plan's own flag. The same runs when a patient's facts move
(history, an evaluation, a case's relief or follow-up, a case booked, moved or cancelled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from clinic.models import Patient
from procedures.rules import Facts
from scheduling.attention import RULES, set_attention
from scheduling.availability import local_date
from scheduling.eligibility import PatientRules, case_request
from scheduling.models import Appointment
from scheduling.replan import upcoming

log = logging.getLogger(__name__)


def _sentence(appointment: Appointment, rules: PatientRules) -> str:
    ref = f"appointment:{appointment.pk}"
    # The case judged as if booked now: every other session counts, not itself.
    others = Facts(
        tuple(s for s in rules.facts.sessions if s.ref != ref),
        rules.facts.psych_evaluations,
        rules.facts.names,
    )
    request = case_request(
        appointment.procedure_type,
        appointment.region,
        appointment.side,
        local_date(appointment.start),
        tuple(appointment.levels or ()),
    )
    # The violations only: a flag needs the sentence, not the date search of a refusal.
    found = [v for rule in rules.rule_set.rules for v in rule.check(others, request, rules.today)]
    if not found:
        return ""
    tail = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"The rules ({rules.rule_set.name}) now refuse this case: {found[0].detail}{tail} "
        "Reschedule it, or keep it after review."
    )


def recheck_booked(patient_ids: Iterable[int] | None = None) -> int:
    """Flag (or clear) every upcoming scheduled case; the number of cases whose flag changed."""
    patients = sorted(set(upcoming(patient_ids).values_list("patient_id", flat=True)))
    changed = 0
    for patient_id in patients:
        with transaction.atomic():
            # Under the patient's lock, as booking counts; the cases are read after it, so a
            # case moved or re-planned meanwhile is judged as it is now.
            patient = Patient.objects.select_for_update().get(pk=patient_id)
            rules = PatientRules.load(patient)
            cases = upcoming([patient_id]).order_by("start")
            for case in cases:
                changed += set_attention(case, RULES, _sentence(case, rules))
    return changed


def _recheck_logged(patient_ids: list[int] | None) -> None:
    try:
        recheck_booked(patient_ids)
    except Exception:
        # The change that asked for it has committed; a failed re-check must not turn its
        # answer into an error (the next change or rule edit checks again).
        log.exception("Re-checking booked cases failed", extra={"patients": patient_ids})


def recheck_after_commit(patient_id: int | None = None) -> None:
    """Judge one patient's booked cases (or every one's) again once the change that moved
    their facts or the rules has committed."""
    ids = None if patient_id is None else [patient_id]
    transaction.on_commit(lambda: _recheck_logged(ids))
