"""The catalog and hold-table corrections of the revised DOMAIN.md, and the migration that
makes them.

Discography is intermediate risk (ASRA 2018: intradiscal), so aspirin and NSAIDs are not held
for it. Aspirin comes as two drugs: primary prevention (held 6 days before a high-risk
procedure, left to the prescriber before an intermediate one) and secondary prevention (left
to the prescriber before high- and intermediate-risk procedures). "Prescriber decides" plans
no hold and adds the required checklist item "aspirin decision by the prescriber recorded".
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from clinic.models import AuditEvent
from procedures import selectors
from procedures.models import (
    ChecklistItemTemplate,
    Drug,
    HoldRule,
    PatientMedication,
    ProcedureType,
)
from scheduling.models import AppointmentHold, Reminder
from scheduling.patient_summary import hold_meaning
from scheduling.preview import preview_booking
from scheduling.replan import hold_instructions
from tests.factories import PatientFactory, drug
from tests.scheduling_helpers import local, post_booking
from tests.test_rules_admin import AdminForm, assert_saved, change_url

NOW = local(2026, 11, 2, 10, 0)  # a Monday
SOON = local(2026, 11, 4, 9, 0)  # Wednesday: too soon for any hold of 2 days or more
CASE = local(2026, 11, 19, 9, 0)  # a Thursday, 17 days later
DECISION = "aspirin_decision"

pytestmark = [pytest.mark.clock_at(NOW), pytest.mark.django_db]


def migration() -> ModuleType:
    return importlib.import_module("procedures.migrations.0014_catalog_and_hold_table_corrections")


def taking(*drug_codes: str):
    patient = PatientFactory()
    for code in drug_codes:
        PatientMedication.objects.create(patient=patient, drug=drug(code))
    return patient


def rule(code: str, risk: str) -> HoldRule:
    return HoldRule.objects.get(drug__code=code, bleeding_risk=risk)


def row(code: str, risk: str) -> tuple[int, int, bool, bool, int]:
    """(days, hours, INR, prescriber decides, restart hours) of a hold-table row."""
    r = rule(code, risk)
    return (r.hold_days, r.hold_hours, r.inr_required, r.prescriber_decides, r.restart_hours)


def checklist(api, case_id: int) -> dict[str, dict]:
    return {i["code"]: i for i in api.get(f"/api/appointments/{case_id}/checklist/").json()}


def reminder_kinds(case_id: int) -> set[str]:
    return set(Reminder.objects.filter(appointment_id=case_id).values_list("kind", flat=True))


# --- The migrated values -------------------------------------------------------------------------


def test_discography_is_intermediate_risk_at_every_region():
    discography = ProcedureType.objects.prefetch_related("regional_risks").get(code="DISCOGRAPHY")

    assert discography.bleeding_risk == "intermediate"
    for region in ("cervical", "thoracic", "lumbar"):
        assert selectors.bleeding_risk(discography, region) == "intermediate"


def test_primary_aspirin_is_held_six_days_for_high_risk_left_to_the_prescriber_at_intermediate():
    assert Drug.objects.get(code="aspirin").name == "Aspirin (primary prevention)"
    assert row("aspirin", "high") == (6, 0, False, False, 24)
    assert row("aspirin", "intermediate") == (0, 0, False, True, 24)
    assert row("aspirin", "low") == (0, 0, False, False, 24)


def test_secondary_prevention_aspirin_is_a_drug_of_its_own_left_to_the_prescriber():
    secondary = Drug.objects.get(code="aspirin_secondary")

    assert secondary.drug_class == Drug.DrugClass.ANTIPLATELET
    assert "secondary prevention" in secondary.name
    assert row("aspirin_secondary", "high") == (0, 0, False, True, 24)
    assert row("aspirin_secondary", "intermediate") == (0, 0, False, True, 24)
    assert row("aspirin_secondary", "low") == (0, 0, False, False, 24)


def test_only_the_aspirin_rows_of_the_table_leave_the_hold_to_the_prescriber():
    decided = set(
        HoldRule.objects.filter(prescriber_decides=True).values_list("drug__code", "bleeding_risk")
    )

    assert decided == {
        ("aspirin", "intermediate"),
        ("aspirin_secondary", "high"),
        ("aspirin_secondary", "intermediate"),
    }
    assert not any(r.holds for r in HoldRule.objects.filter(prescriber_decides=True))


def test_the_aspirin_decision_is_a_required_checklist_item_of_its_own_condition():
    template = ChecklistItemTemplate.objects.get(code=DECISION)

    assert template.label == "Aspirin decision by the prescriber recorded"
    assert template.required and template.active
    assert template.condition == "prescriber_decides"
    assert not template.procedure_types.exists()


# --- Discography: no hold for aspirin or NSAIDs --------------------------------------------------


def test_discography_two_days_out_books_an_aspirin_and_ibuprofen_patient_with_no_hold(
    clinic, scheduler_api, nurse_api
):
    # Held for high risk, this would need the last aspirin dose six days before: refused.
    patient = taking("aspirin", "ibuprofen")

    response = post_booking(
        scheduler_api, clinic, patient, SOON, procedure_type="DISCOGRAPHY", side="bilateral"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["holds"] == []
    assert not AppointmentHold.objects.exists()
    assert not reminder_kinds(body["id"]) & {"anticoagulant_stop", "anticoagulant_restart"}
    items = checklist(nurse_api, body["id"])
    assert "hold_confirmed" not in items
    # Aspirin before an intermediate-risk procedure: the prescriber decides.
    assert items[DECISION]["required"] is True


def test_discography_for_an_ibuprofen_patient_asks_no_aspirin_decision(
    clinic, scheduler_api, nurse_api
):
    patient = taking("ibuprofen")

    body = post_booking(
        scheduler_api, clinic, patient, SOON, procedure_type="DISCOGRAPHY", side="bilateral"
    ).json()

    assert body["holds"] == []
    assert DECISION not in checklist(nurse_api, body["id"])


def test_discography_is_allowed_on_the_eligibility_api_for_an_aspirin_patient(scheduler_api):
    patient = taking("aspirin", "naproxen")

    response = scheduler_api.get(
        f"/api/patients/{patient.pk}/eligibility/",
        {
            "procedure_type": "DISCOGRAPHY",
            "region": "lumbar",
            "side": "bilateral",
            "date": NOW.date().isoformat(),
        },
    )

    assert response.status_code == 200
    assert response.json()["allowed"] is True, response.json()


# --- Secondary-prevention aspirin: the prescriber decides ----------------------------------------


def test_secondary_aspirin_before_kyphoplasty_plans_no_hold_and_blocks_check_in_until_decided(
    clinic, scheduler_api, nurse_api, clock
):
    patient = taking("aspirin_secondary")

    # Two days out: any automatic hold of aspirin would already be too late.
    response = post_booking(
        scheduler_api, clinic, patient, SOON, procedure_type="KYPHOPLASTY", region="thoracic"
    )

    assert response.status_code == 201, response.content
    case = response.json()
    assert case["holds"] == []
    assert not reminder_kinds(case["id"]) & {"anticoagulant_stop", "anticoagulant_restart"}
    items = checklist(nurse_api, case["id"])
    assert items[DECISION]["required"] is True
    assert items[DECISION]["label"] == "Aspirin decision by the prescriber recorded"
    assert "hold_confirmed" not in items
    assert "inr" not in items

    clock.move_to(local(2026, 11, 4, 8, 0))
    for code, item in items.items():
        if code == DECISION:
            continue
        ticked = nurse_api.patch(
            f"/api/appointments/{case['id']}/checklist/{item['id']}/", {"done": True}
        )
        assert ticked.status_code == 200, (code, ticked.content)

    refused = nurse_api.post(f"/api/appointments/{case['id']}/check-in/", {})
    assert refused.status_code == 409
    assert refused.json()["code"] == "checklist_incomplete"
    assert [i["code"] for i in refused.json()["open_items"]] == [DECISION]

    decided = nurse_api.patch(
        f"/api/appointments/{case['id']}/checklist/{items[DECISION]['id']}/", {"done": True}
    )
    assert decided.status_code == 200, decided.content
    assert nurse_api.post(f"/api/appointments/{case['id']}/check-in/", {}).status_code == 200


def test_secondary_aspirin_before_a_low_risk_procedure_asks_nothing(
    clinic, scheduler_api, nurse_api
):
    patient = taking("aspirin_secondary")

    body = post_booking(
        scheduler_api, clinic, patient, SOON, procedure_type="TPI", room=clinic.exam.pk
    ).json()

    assert body["holds"] == []
    assert DECISION not in checklist(nurse_api, body["id"])


def test_the_booking_preview_shows_the_decision_item_and_no_hold(clinic):
    patient = taking("aspirin_secondary", "clopidogrel")

    preview = preview_booking(
        patient=patient,
        procedure_type=clinic.procedure("SCS_TRIAL"),
        region="thoracic",
        side="bilateral",
        provider=clinic.chen,
        room=clinic.suite1,
        start=CASE,
    )

    assert [h.instruction.drug for h in preview.holds] == ["clopidogrel"]
    codes = [item.code for item in preview.checklist]
    assert DECISION in codes and "hold_confirmed" in codes


def test_adding_and_stopping_secondary_aspirin_adds_and_drops_the_open_decision_item(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = post_booking(
        scheduler_api, clinic, patient, CASE, procedure_type="KYPHOPLASTY", region="lumbar"
    ).json()
    assert DECISION not in checklist(nurse_api, case["id"])

    added = nurse_api.post(
        f"/api/patients/{patient.pk}/medications/", {"drug": "aspirin_secondary"}
    )
    assert added.status_code == 201, added.content
    assert DECISION in checklist(nurse_api, case["id"])
    assert scheduler_api.get(f"/api/appointments/{case['id']}/").json()["holds"] == []

    stopped = nurse_api.delete(f"/api/patients/{patient.pk}/medications/{added.json()['id']}/")
    assert stopped.status_code == 204
    assert DECISION not in checklist(nurse_api, case["id"])


# --- Primary-prevention aspirin before a high-risk procedure: still six days --------------------


def test_primary_aspirin_before_kyphoplasty_is_still_held_six_days(
    clinic, scheduler_api, nurse_api
):
    patient = taking("aspirin")

    response = post_booking(
        scheduler_api, clinic, patient, CASE, procedure_type="KYPHOPLASTY", region="thoracic"
    )

    assert response.status_code == 201, response.content
    [hold] = response.json()["holds"]
    # Six days off before Thursday 19th: last dose Thursday 12th, first day without Friday 13th.
    assert (hold["drug"], hold["hold_days"]) == ("aspirin", 6)
    assert hold["last_dose_on"] == "2026-11-12"
    assert hold["first_day_without"] == "2026-11-13"
    items = checklist(nurse_api, response.json()["id"])
    assert "hold_confirmed" in items
    assert DECISION not in items


def test_primary_aspirin_before_kyphoplasty_two_days_out_is_refused_with_the_first_date(
    clinic, scheduler_api
):
    patient = taking("aspirin")

    response = post_booking(
        scheduler_api, clinic, patient, SOON, procedure_type="KYPHOPLASTY", region="thoracic"
    )

    assert response.status_code == 422
    [violation] = response.json()["violations"]
    assert violation["code"] == "anticoagulant_hold_too_short"
    assert violation["eligible_from"] == "2026-11-09"  # today + 6 + 1


# --- "Prescriber decides" is data ----------------------------------------------------------------


def test_a_row_that_leaves_the_hold_to_the_prescriber_cannot_also_hold():
    clopidogrel = rule("clopidogrel", "intermediate")
    clopidogrel.prescriber_decides = True

    with pytest.raises(ValidationError, match="hold days and hours are zero"):
        clopidogrel.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        clopidogrel.save()


def test_a_manager_leaves_clopidogrel_to_the_prescriber_in_the_admin_and_booking_follows(
    make_staff, clinic, scheduler_api, nurse_api
):
    manager = Client()
    manager.force_login(make_staff("manager"))
    clopidogrel = Drug.objects.get(code="clopidogrel")
    hold = rule("clopidogrel", "intermediate")
    form = AdminForm(manager, change_url(clopidogrel))
    prefix = form.row("hold_rules", hold.pk)
    form[prefix + "prescriber_decides"] = "on"

    refused = form.post()
    assert refused.status_code == 200  # the form again, with the constraint's message
    assert "hold days and hours are zero" in refused.content.decode()
    assert not rule("clopidogrel", "intermediate").prescriber_decides

    form[prefix + "hold_days"] = 0
    assert_saved(form.post())
    event = AuditEvent.objects.get(action="admin.change", object_type="procedures.holdrule")
    assert event.changes == {"hold_days": [7, 0], "prescriber_decides": [False, True]}

    patient = taking("clopidogrel")
    body = post_booking(scheduler_api, clinic, patient, SOON, procedure_type="ESI_IL").json()
    assert body["holds"] == []
    assert DECISION in checklist(nurse_api, body["id"])


def test_the_case_instructions_carry_the_decision_beside_the_holds():
    patient = taking("aspirin_secondary", "warfarin")
    kyphoplasty = ProcedureType.objects.get(code="KYPHOPLASTY")

    found = {
        (i.drug, i.holds, i.prescriber_decides)
        for i in hold_instructions(
            patient_id=patient.pk, procedure_type=kyphoplasty, region="lumbar"
        )
    }

    assert found == {("warfarin", True, False), ("aspirin_secondary", False, True)}
    # Eligibility reads the holds alone: the decision is no date to wait for.
    assert [i.drug for i in selectors.hold_instructions(patient.pk, "high")] == ["warfarin"]


# --- The migration: only rows still holding the seeded value ------------------------------------


def test_the_migration_goes_back_to_the_first_seed_and_forward_again():
    steps = migration()

    steps.backward(apps, None)

    assert ProcedureType.objects.get(code="DISCOGRAPHY").bleeding_risk == "high"
    assert row("aspirin", "intermediate") == (0, 0, False, False, 24)
    assert row("aspirin", "high") == (6, 0, False, False, 24)
    added = {code for code, *_ in steps.NEW_DRUGS}
    assert not Drug.objects.filter(code__in=added).exists()
    assert not HoldRule.objects.filter(prescriber_decides=True).exists()
    assert not ChecklistItemTemplate.objects.filter(code=DECISION).exists()

    steps.forward(apps, None)
    steps.forward(apps, None)  # twice changes nothing more

    assert ProcedureType.objects.get(code="DISCOGRAPHY").bleeding_risk == "intermediate"
    assert row("aspirin", "intermediate") == (0, 0, False, True, 24)
    assert row("aspirin_secondary", "high") == (0, 0, False, True, 24)
    assert row("heparin_sc", "high") == (0, 24, False, False, 6)
    assert set(Drug.objects.filter(code__in=added).values_list("code", flat=True)) == added
    assert ChecklistItemTemplate.objects.filter(code=DECISION).count() == 1


def test_going_forward_leaves_the_rows_a_manager_changed():
    steps = migration()
    steps.backward(apps, None)
    # A manager's own choices on the first seed: discography low, aspirin held 3 days.
    ProcedureType.objects.filter(code="DISCOGRAPHY").update(bleeding_risk="low")
    HoldRule.objects.filter(drug__code="aspirin", bleeding_risk="intermediate").update(hold_days=3)

    steps.forward(apps, None)

    assert ProcedureType.objects.get(code="DISCOGRAPHY").bleeding_risk == "low"
    assert row("aspirin", "intermediate") == (3, 0, False, False, 24)
    # What the manager did not touch is corrected.
    assert row("aspirin_secondary", "intermediate") == (0, 0, False, True, 24)


def test_going_back_leaves_the_rows_a_manager_changed_or_a_patient_needs():
    steps = migration()
    ProcedureType.objects.filter(code="DISCOGRAPHY").update(bleeding_risk="low")
    HoldRule.objects.filter(drug__code="aspirin", bleeding_risk="intermediate").update(
        prescriber_decides=False, hold_days=2
    )
    HoldRule.objects.filter(drug__code="dalteparin", bleeding_risk="low").update(restart_hours=6)
    taking("aspirin_secondary")
    ChecklistItemTemplate.objects.filter(code=DECISION).update(
        label="Cardiologist's aspirin plan on file"
    )

    steps.backward(apps, None)

    assert ProcedureType.objects.get(code="DISCOGRAPHY").bleeding_risk == "low"
    assert row("aspirin", "intermediate") == (2, 0, False, False, 24)
    assert Drug.objects.filter(code="dalteparin").exists()  # edited: kept
    assert Drug.objects.filter(code="aspirin_secondary").exists()  # a patient takes it
    assert not Drug.objects.filter(code="nabumetone").exists()  # as seeded: gone
    # The old schema cannot test the condition: the edited item stays, switched off.
    template = ChecklistItemTemplate.objects.get(code=DECISION)
    assert (template.label, template.active) == ("Cardiologist's aspirin plan on file", False)


def test_the_aspirin_row_goes_back_only_while_it_holds_the_value_set_going_forward():
    steps = migration()
    HoldRule.objects.filter(drug__code="aspirin", bleeding_risk="high").update(hold_days=7)

    steps.backward(apps, None)

    # The high-risk row was never this migration's: its edit stands either way.
    assert row("aspirin", "high") == (7, 0, False, False, 24)
    assert row("aspirin", "intermediate") == (0, 0, False, False, 24)


@pytest.mark.django_db
def test_the_patient_page_says_where_the_prescriber_decides():
    secondary = HoldRule.objects.filter(drug__code="aspirin_secondary")
    primary = HoldRule.objects.filter(drug__code="aspirin")

    assert hold_meaning("Aspirin (secondary prevention)", secondary) == (
        "Aspirin (secondary prevention): no automatic hold; the prescriber decides before "
        "high- and intermediate-risk procedures."
    )
    assert hold_meaning("Aspirin", primary) == (
        "Aspirin: stopped 6 days before high-risk procedures; restarts 24 hours after; the "
        "prescriber decides before intermediate-risk procedures."
    )
