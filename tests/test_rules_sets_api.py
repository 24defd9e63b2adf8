"""The revised DOMAIN.md through the API, under each seeded rule set: relief that lasts with
its `proof_due`, follow-ups that prove it, the SI pathway, trigger points, the Medicare set
chosen by the Medicare payer, and the relief follow-up reminders each set plans."""

from __future__ import annotations

import datetime as dt

import pytest

from procedures.models import ProcedureType
from scheduling.models import Reminder
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import local, post_booking
from tests.test_rules_api import enter_history

TODAY = dt.date(2027, 4, 6)  # a Tuesday
NOW = local(2027, 4, 6, 10, 0)

pytestmark = pytest.mark.clock_at(NOW)

# The payer whose patients each seeded set holds (none: the clinic default).
PAYER_OF = {"default": None, "evicore": "aetna", "commercial": "bcbs", "medicare": "medicare"}
ESI_LASTING = {"default": 14, "evicore": 14, "commercial": 14, "medicare": 90}
RFA_LASTING = {"default": 183, "evicore": 84, "commercial": 183, "medicare": 183}


def assert_ok(response) -> None:
    assert response.status_code in (200, 201), response.content


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def patient_of(rule_set: str):
    code = PAYER_OF[rule_set]
    return PatientFactory(payer=payer(code) if code else None)


def eligibility(api, patient, code, region="lumbar", side="left", on=None, **extra):
    params = {"procedure_type": code, "region": region, "side": side, **extra}
    if on is not None:
        params["date"] = str(on)
    response = api.get(f"/api/patients/{patient.pk}/eligibility/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", sorted(PAYER_OF))
def test_each_payer_is_held_to_its_set(rule_set, scheduler_api):
    answer = eligibility(scheduler_api, patient_of(rule_set), "TPI")

    assert answer["rule_set"] == rule_set


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", sorted(PAYER_OF))
def test_a_repeat_epidural_on_history_turns_on_how_long_relief_lasted(
    rule_set, nurse_api, scheduler_api
):
    lasting = ESI_LASTING[rule_set]
    performed = day(-120)
    due = performed + dt.timedelta(days=lasting)
    patient = patient_of(rule_set)
    entry = enter_history(nurse_api, patient, "ESI_TF", performed, relief=80)

    pending = eligibility(scheduler_api, patient, "ESI_TF")
    assert (pending["allowed"], pending["eligible_from"]) == (False, None)
    assert [(v["code"], v["eligible_from"], v.get("proof_due")) for v in pending["violations"]] == [
        ("outcome_pending", None, due.isoformat())
    ]

    url = f"/api/patients/{patient.pk}/history/{entry['id']}/"
    short = nurse_api.patch(url, {"relief_duration_days": lasting - 1}, format="json")
    assert short.status_code == 200, short.content
    refused = eligibility(scheduler_api, patient, "ESI_TF")
    assert [v["code"] for v in refused["violations"]] == ["insufficient_response"]
    assert f"lasted {lasting - 1} days" in refused["violations"][0]["detail"]

    assert_ok(nurse_api.patch(url, {"relief_duration_days": lasting}, format="json"))
    assert eligibility(scheduler_api, patient, "ESI_TF")["allowed"] is True


@pytest.mark.django_db
def test_a_follow_up_proves_the_relief_of_a_case_done_here(clinic, clock, scheduler_api, nurse_api):
    patient = PatientFactory()
    first = dt.date(2027, 3, 1)
    clock.move_to(local(2027, 3, 1, 7, 0))
    booked = post_booking(
        scheduler_api,
        clinic,
        patient,
        local(2027, 3, 1, 9, 0),
        procedure_type="ESI_TF",
        region="lumbar",
        side="left",
    )
    assert booked.status_code == 201, booked.content
    case = booked.json()["id"]
    assert_ok(
        nurse_api.post(
            f"/api/appointments/{case}/check-in/", {"override_reason": "Paper checklist"}
        )
    )
    assert_ok(nurse_api.post(f"/api/appointments/{case}/complete/"))
    assert_ok(nurse_api.post(f"/api/appointments/{case}/outcome/", {"relief_percent": 80}))
    clock.move_to(NOW)

    pending = eligibility(scheduler_api, patient, "ESI_TF")
    assert [v.get("proof_due") for v in pending["violations"]] == ["2027-03-15"]

    early = {"assessed_on": "2027-03-14", "relief_percent": 90}
    assert_ok(nurse_api.post(f"/api/appointments/{case}/follow-ups/", early, format="json"))
    assert eligibility(scheduler_api, patient, "ESI_TF")["allowed"] is False

    proof = {"assessed_on": str(first + dt.timedelta(days=14)), "relief_percent": 55}
    assert_ok(nurse_api.post(f"/api/appointments/{case}/follow-ups/", proof, format="json"))
    assert eligibility(scheduler_api, patient, "ESI_TF")["allowed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", sorted(PAYER_OF))
def test_a_repeat_ablation_needs_relief_lasting_the_sets_time(rule_set, nurse_api, scheduler_api):
    lasting = RFA_LASTING[rule_set]
    patient = patient_of(rule_set)
    entry = enter_history(nurse_api, patient, "RFA", day(-200), relief=70, side="right")

    pending = eligibility(scheduler_api, patient, "RFA", side="right")
    due = day(-200) + dt.timedelta(days=lasting)
    assert [(v["code"], v.get("proof_due")) for v in pending["violations"]] == [
        ("outcome_pending", due.isoformat())
    ]
    url = f"/api/patients/{patient.pk}/history/{entry['id']}/"
    assert_ok(nurse_api.patch(url, {"relief_duration_days": lasting}, format="json"))
    assert eligibility(scheduler_api, patient, "RFA", side="right")["allowed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", sorted(PAYER_OF))
def test_the_sacroiliac_pathway_through_the_api(rule_set, nurse_api, scheduler_api):
    patient = patient_of(rule_set)
    sacral = {"region": "sacral", "side": "left"}

    first = eligibility(scheduler_api, patient, "SI_JOINT", **sacral)
    assert [v["code"] for v in first["violations"]] == ["pathway_incomplete"]
    assert "at least 75% relief" in first["violations"][0]["detail"]

    enter_history(nurse_api, patient, "SI_DIAG", day(-30), relief=74, **sacral)
    assert not eligibility(scheduler_api, patient, "SI_JOINT", **sacral)["allowed"]
    enter_history(nurse_api, patient, "SI_DIAG", day(-10), relief=75, **sacral)
    assert eligibility(scheduler_api, patient, "SI_JOINT", **sacral)["allowed"] is True
    # Two diagnostic blocks in 12 months, both sides together: a third is refused.
    third = eligibility(scheduler_api, patient, "SI_DIAG", region="sacral", side="right")
    assert [v["code"] for v in third["violations"]] == ["frequency_limit"]
    assert third["eligible_from"] == (day(-30) + dt.timedelta(days=365)).isoformat()


@pytest.mark.django_db
def test_the_catalog_lists_the_diagnostic_sacroiliac_block(scheduler_api):
    rows = scheduler_api.get("/api/procedure-types/").json()
    rows = rows.get("results", rows) if isinstance(rows, dict) else rows
    [si_diag] = [r for r in rows if r["code"] == "SI_DIAG"]

    assert (si_diag["cpt_codes"], si_diag["duration_minutes"]) == (["27096"], 30)
    assert ProcedureType.objects.get(code="SI_DIAG").bleeding_risk == "low"


@pytest.mark.django_db
@pytest.mark.parametrize("rule_set", sorted(PAYER_OF))
def test_trigger_points_repeat_on_relief_lasting_six_weeks(rule_set, nurse_api, scheduler_api):
    patient = patient_of(rule_set)
    entry = enter_history(nurse_api, patient, "TPI", day(-60), relief=60, region="thoracic")

    pending = eligibility(scheduler_api, patient, "TPI", region="cervical")
    assert [(v["code"], v.get("proof_due")) for v in pending["violations"]] == [
        ("outcome_pending", (day(-60) + dt.timedelta(days=42)).isoformat())
    ]
    url = f"/api/patients/{patient.pk}/history/{entry['id']}/"
    assert_ok(nurse_api.patch(url, {"relief_duration_days": 42}, format="json"))
    assert eligibility(scheduler_api, patient, "TPI", region="cervical")["allowed"] is True


@pytest.mark.django_db
def test_medicare_drops_the_three_in_six_months_cap(nurse_api, scheduler_api):
    answers = {}
    for rule_set in ("default", "medicare"):
        patient = patient_of(rule_set)
        for offset in (-170, -140, -100):
            enter_history(nurse_api, patient, "ESI_TF", day(offset), relief=80, lasted=95)
        answers[rule_set] = eligibility(scheduler_api, patient, "ESI_TF")

    assert [v["code"] for v in answers["default"]["violations"]] == ["frequency_limit"]
    assert answers["default"]["eligible_from"] == (day(-170) + dt.timedelta(183)).isoformat()
    # Medicare: four in 12 months is the cap, and the last one's relief lasted 3 months.
    assert answers["medicare"]["allowed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["true", "false"])
def test_eligibility_and_slot_search_take_sedation(flag, clinic, scheduler_api):
    patient = PatientFactory()
    answer = eligibility(scheduler_api, patient, "MBB", sedation=flag)
    slots = scheduler_api.get(
        "/api/slots/",
        {
            "procedure_type": "MBB",
            "patient": patient.pk,
            "region": "lumbar",
            "side": "left",
            "sedation": flag,
        },
    )

    assert answer["allowed"] is True
    assert slots.status_code == 200, slots.content
    bad = scheduler_api.get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "MBB", "region": "lumbar", "side": "left", "sedation": "perhaps"},
    )
    assert bad.status_code == 400
    assert "sedation" in bad.json()


# --- Relief follow-up reminders, at the time the patient's set needs relief proved -----------


def completed_case(clinic, clock, scheduler_api, nurse_api, patient, code, side="left"):
    clock.move_to(local(2027, 4, 6, 7, 0))
    booked = post_booking(
        scheduler_api,
        clinic,
        patient,
        local(2027, 4, 6, 9, 0),
        procedure_type=code,
        region="lumbar",
        side=side,
    )
    assert booked.status_code == 201, booked.content
    case = booked.json()["id"]
    assert_ok(
        nurse_api.post(
            f"/api/appointments/{case}/check-in/", {"override_reason": "Paper checklist"}
        )
    )
    assert_ok(nurse_api.post(f"/api/appointments/{case}/complete/"))
    return case


def follow_up_days(case: int) -> list[tuple[str, int]]:
    start = local(2027, 4, 6, 9, 0)
    return sorted(
        (r.kind, (r.due_at - start).days)
        for r in Reminder.objects.filter(
            appointment_id=case, kind__in=["follow_up", "relief_follow_up"]
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("rule_set", "days"), [("default", 14), ("medicare", 90)])
def test_an_epidural_plans_its_relief_follow_up_by_the_patients_set(
    rule_set, days, clinic, clock, scheduler_api, nurse_api
):
    case = completed_case(clinic, clock, scheduler_api, nurse_api, patient_of(rule_set), "ESI_TF")

    assert follow_up_days(case) == [("relief_follow_up", days)]


@pytest.mark.django_db
@pytest.mark.parametrize(("rule_set", "days"), [("default", 183), ("evicore", 84)])
def test_an_ablation_plans_its_check_and_its_relief_follow_up(
    rule_set, days, clinic, clock, scheduler_api, nurse_api
):
    patient = patient_of(rule_set)
    enter_history(nurse_api, patient, "MBB", day(-30), relief=85, side="right")
    enter_history(nurse_api, patient, "MBB", day(-15), relief=90, side="right")
    case = completed_case(clinic, clock, scheduler_api, nurse_api, patient, "RFA", side="right")

    assert follow_up_days(case) == [("follow_up", 28), ("relief_follow_up", days)]
