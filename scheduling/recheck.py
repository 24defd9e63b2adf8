"""Booked cases judged again under the rules as they are now (DOMAIN.md: rule set changes).

A rule set change applies to bookings made after it; a case booked before it that the rules
would now refuse is flagged for attention with the refusal's sentence, never cancelled. A
case the rules allow again has its flag cleared. The hold rule is left out: a hold that can
no longer be met is the re-plan's own flag.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from clinic.models import Patient
from procedures.rules import Facts, evaluate
from scheduling.attention import RULES, set_attention
from scheduling.availability import local_date
from scheduling.eligibility import PatientRules, case_request
from scheduling.models import Appointment, Status


def _sentence(appointment: Appointment, rules: PatientRules) -> str:
    ref = f"appointment:{appointment.pk}"
    # The case judged as if booked now: every other session counts, not itself.
    others = Facts(
        tuple(s for s in rules.facts.sessions if s.ref != ref),
        rules.facts.psych_evaluations,
        rules.facts.names,
    )
    day = local_date(appointment.start)
    request = case_request(
        appointment.procedure_type,
        appointment.region,
        appointment.side,
        day,
        tuple(appointment.levels or ()),
    )
    decision = evaluate(others, request, rules.rule_set, rules.today)
    if decision.allowed:
        return ""
    first = decision.violations[0].detail
    more = len(decision.violations) - 1
    tail = f" (and {more} more)" if more else ""
    return (
        f"The rules ({rules.rule_set.name}) now refuse this case: "
        f"{first}{tail} Reschedule it, or keep it after review."
    )


def recheck_booked(patient_ids: Iterable[int] | None = None) -> int:
    """Flag (or clear) every upcoming scheduled case; the number of cases whose flag changed."""
    cases = Appointment.objects.filter(
        status=Status.SCHEDULED, start__gte=timezone.now()
    ).select_related("procedure_type", "patient")
    if patient_ids is not None:
        cases = cases.filter(patient_id__in=list(patient_ids))
    by_patient: dict[int, list[Appointment]] = {}
    for case in cases.order_by("patient_id", "start"):
        by_patient.setdefault(case.patient_id, []).append(case)
    changed = 0
    for patient_cases in by_patient.values():
        with transaction.atomic():
            patient = Patient.objects.select_for_update().get(pk=patient_cases[0].patient_id)
            rules = PatientRules.load(patient)
            for case in patient_cases:
                changed += set_attention(case, RULES, _sentence(case, rules))
    return changed


def recheck_after_commit(patient_id: int) -> None:
    """Judge one patient's booked cases again once the change that moved their facts (history,
    an evaluation, a case's relief or follow-up) has committed."""
    transaction.on_commit(lambda: recheck_booked([patient_id]))
