"""The migration path of the revised rules: booked cases the new rules refuse are flagged, not
cancelled; a manager's edits survive the seed; the seed goes back and forth; a manager's
rule change in the admin flags (and unflags) the booked cases it touches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from procedures import services as procedure_services
from procedures.models import (
    FrequencyLimit,
    ProcedureType,
    ReminderRule,
    ResponseRequirement,
    RuleSet,
)
from scheduling import services
from scheduling.attention import HOLD, RULES, set_attention
from scheduling.models import Appointment, Status
from scheduling.recheck import recheck_booked
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import book_case, local
from tests.test_rules_admin import AdminForm, assert_saved, change_url

NOW = local(2027, 4, 6, 10, 0)  # a Tuesday

pytestmark = pytest.mark.clock_at(NOW)

OLD_SI = "Sacroiliac joint: 4 per side per 12 months"
NEW_SI = "Sacroiliac joint injections: 4 per 12 months, both sides together"


def seeded_state() -> dict[str, object]:
    """What the seed of the revised rules decides, read back from the rows."""
    default = RuleSet.objects.get(code="default")
    return {
        "si_diag": ProcedureType.objects.filter(code="SI_DIAG").exists(),
        "medicare": RuleSet.objects.filter(code="medicare").exists(),
        "esi_lasting": sorted(
            ResponseRequirement.objects.filter(
                rule_set=default, procedure_types__code="ESI_TF"
            ).values_list("relief_lasting_days", flat=True)
        ),
        "si_limits": sorted(
            FrequencyLimit.objects.filter(
                rule_set=default, procedure_types__code="SI_JOINT"
            ).values_list("name", "scope", "max_sessions")
        ),
        "relief_follow_ups": ReminderRule.objects.filter(kind="relief_follow_up").count(),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_seed_goes_back_and_forth_keeps_edits_and_flags_what_the_new_rules_refuse(clinic):
    # A repeat epidural the old rules allow: the first one's relief was good on the day, and
    # the old rules ask nothing of how long it lasted. It is booked before the database goes
    # back (today's code reads today's tables), with the old rule's row, put back after.
    lasting = ResponseRequirement.objects.filter(
        rule_set__code="default", procedure_types__code="ESI_TF"
    )
    seeded = list(lasting.values_list("pk", "relief_lasting_days"))
    lasting.update(relief_lasting_days=0)
    patient = PatientFactory()
    procedure_services.history_add(
        patient=patient,
        procedure_type=ProcedureType.objects.get(code="ESI_TF"),
        region="lumbar",
        side="left",
        performed_on=dt.date(2027, 3, 1),
        relief_percent=80,
        acting_user=None,
    )
    repeat = book_case(
        clinic, patient=patient, start=local(2027, 4, 13, 9, 0), code="ESI_TF", side="left"
    )
    other = book_case(clinic, start=local(2027, 4, 13, 11, 0))
    assert repeat.attention == ""
    for pk, days in seeded:
        ResponseRequirement.objects.filter(pk=pk).update(relief_lasting_days=days)

    call_command("migrate", "procedures", "0019_relief_that_lasts", verbosity=0)
    assert seeded_state() == {
        "si_diag": False,
        "medicare": False,
        "esi_lasting": [0],
        "si_limits": [(OLD_SI, "side", 4)],
        "relief_follow_ups": 0,
    }
    # A manager's edit under the old rules: the seed must leave that row alone.
    FrequencyLimit.objects.filter(name=OLD_SI, rule_set__code="commercial").update(max_sessions=5)

    # A partial upgrade (the rules' seed before the table the check writes to) must not fail:
    # the booked cases are judged once the database is migrated to the end.
    call_command("migrate", "scheduling", "0013_relief_that_lasts", verbosity=0)
    call_command("migrate", "procedures", verbosity=0)
    call_command("migrate", verbosity=0)

    assert seeded_state() == {
        "si_diag": True,
        "medicare": True,
        "esi_lasting": [14],
        "si_limits": [(NEW_SI, "region", 4)],
        "relief_follow_ups": 11,
    }
    edited = FrequencyLimit.objects.get(
        rule_set__code="commercial", procedure_types__code="SI_JOINT"
    )
    assert (edited.name, edited.scope, edited.max_sessions) == (OLD_SI, "side", 5)
    repeat.refresh_from_db()
    other.refresh_from_db()
    assert repeat.status == Status.SCHEDULED
    assert "now refuse this case" in repeat.attention
    assert "relief lasting 14 days" in repeat.attention
    assert other.attention == ""

    # The nurse adds how long the relief lasted: once that commits, the flag is gone.
    procedure_services.history_edit(
        entry=patient.procedure_history.get(), acting_user=None, relief_duration_days=20
    )
    repeat.refresh_from_db()
    assert (repeat.attention, repeat.attention_sources) == ("", {})
    assert recheck_booked() == 0  # nothing left to change


def si_diag_cases(clinic) -> list[Appointment]:
    patient = PatientFactory()
    return [
        book_case(
            clinic,
            patient=patient,
            start=local(2027, 4, 13 + i, 9, 0),
            code="SI_DIAG",
            region="sacral",
            side=side,
        )
        for i, side in enumerate(("left", "right"))
    ]


@pytest.mark.django_db
def test_a_manager_lowering_a_limit_flags_the_booked_cases_and_raising_it_clears_them(
    clinic, pages_as, django_capture_on_commit_callbacks
):
    cases = si_diag_cases(clinic)
    manager = pages_as("manager")
    limit = FrequencyLimit.objects.get(rule_set__code="default", procedure_types__code="SI_DIAG")

    def set_limit(value: int) -> None:
        form = AdminForm(manager, change_url(limit.rule_set))
        form[form.row("frequencylimits", limit.pk) + "max_sessions"] = value
        with django_capture_on_commit_callbacks(execute=True):
            assert_saved(form.post())

    set_limit(1)
    flagged = [Appointment.objects.get(pk=c.pk) for c in cases]
    assert all("now refuse this case" in c.attention for c in flagged)
    assert all(c.status == Status.SCHEDULED for c in flagged)
    assert "Diagnostic sacroiliac blocks" in flagged[1].attention

    set_limit(2)
    assert [Appointment.objects.get(pk=c.pk).attention for c in cases] == ["", ""]


@pytest.mark.django_db
def test_a_rules_flag_and_a_hold_flag_stand_side_by_side(clinic):
    case = si_diag_cases(clinic)[0]
    set_attention(case, RULES, "The rules now refuse this case.")
    set_attention(case, HOLD, "Hold cannot be met.")
    assert case.attention == "Hold cannot be met. The rules now refuse this case."

    set_attention(case, HOLD, "")
    case.refresh_from_db()
    assert (case.attention, case.attention_sources) == (
        "The rules now refuse this case.",
        {RULES: "The rules now refuse this case."},
    )
    assert case.attention_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_cancelling_the_case_that_broke_a_limit_clears_the_other_cases_flag(clinic):
    first, second = si_diag_cases(clinic)
    FrequencyLimit.objects.filter(rule_set__code="default", procedure_types__code="SI_DIAG").update(
        max_sessions=1
    )
    assert recheck_booked() == 2

    services.appointment_cancel(appointment=first, reason="Patient asked", acting_user=None)

    second.refresh_from_db()
    assert second.attention == ""
    first.refresh_from_db()
    assert first.status == Status.CANCELLED


@pytest.mark.django_db
def test_deleting_a_payers_rule_set_flags_the_cases_only_it_allowed(
    clinic, pages_as, django_capture_on_commit_callbacks
):
    # Blocks positive at 60%: enough for the commercial set (50%), not for the default (80%).
    patient = PatientFactory(payer=payer("bcbs"))
    for performed_on in (dt.date(2027, 3, 1), dt.date(2027, 3, 15)):
        procedure_services.history_add(
            patient=patient,
            procedure_type=ProcedureType.objects.get(code="MBB"),
            region="lumbar",
            side="right",
            performed_on=performed_on,
            relief_percent=60,
            acting_user=None,
        )
    ablation = book_case(clinic, patient=patient, start=local(2027, 4, 13, 9, 0), code="RFA")
    commercial = RuleSet.objects.get(code="commercial")

    with django_capture_on_commit_callbacks(execute=True):
        response = pages_as("manager").post(
            f"/admin/procedures/ruleset/{commercial.pk}/delete/", {"post": "yes"}
        )

    assert response.status_code == 302
    ablation.refresh_from_db()
    assert ablation.status == Status.SCHEDULED
    assert "The rules (Clinic default) now refuse this case" in ablation.attention
    assert "at least 80% relief" in ablation.attention
