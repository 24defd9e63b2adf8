"""Anticoagulant holds, pre-procedure checklists, prior authorization and check-in."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent, Payer
from procedures.models import PayerPriorAuthorization
from scheduling.models import Appointment, Reminder, ReminderStatus
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import local, post_booking

NOW = local(2026, 11, 2, 10, 0)  # a Monday
CASE = local(2026, 11, 19, 9, 0)  # a Thursday, 17 days later

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def warfarin_patient(db, nurse_api):
    patient = PatientFactory()
    assert (
        nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "warfarin"}).status_code
        == 201
    )
    return patient


def codes(api, appointment_id):
    return {row["code"] for row in api.get(f"/api/appointments/{appointment_id}/checklist/").json()}


def test_a_warfarin_patient_booked_for_an_interlaminar_esi_gets_the_hold_its_reminders_and_checks(
    clinic, warfarin_patient, scheduler_api, nurse_api
):
    response = post_booking(scheduler_api, clinic, warfarin_patient, CASE, procedure_type="ESI_IL")
    assert response.status_code == 201, response.content
    body = response.json()
    [hold] = body["holds"]
    # Five days off before Thursday 19th: last dose Friday 13th, first day without Saturday 14th.
    assert hold["drug"] == "warfarin"
    assert hold["last_dose_on"] == "2026-11-13"
    assert hold["first_day_without"] == "2026-11-14"
    # Restart six hours after the 09:30 end.
    assert dt.datetime.fromisoformat(hold["resume_at"]) == local(2026, 11, 19, 15, 30)

    reminders = {
        r["kind"]: r for r in scheduler_api.get(f"/api/appointments/{body['id']}/reminders/").json()
    }
    assert dt.datetime.fromisoformat(reminders["anticoagulant_stop"]["due_at"]) == local(
        2026, 11, 13, 9, 0
    )
    assert dt.datetime.fromisoformat(reminders["anticoagulant_restart"]["due_at"]) == local(
        2026, 11, 19, 15, 30
    )
    assert {"hold_confirmed", "inr", "imaging", "consent", "identity"} <= codes(
        nurse_api, body["id"]
    )


@pytest.mark.parametrize(
    ("region", "held"),
    [("lumbar", False), ("thoracic", False), ("cervical", True)],
)
def test_a_medial_branch_block_holds_warfarin_only_in_the_neck(
    clinic, warfarin_patient, scheduler_api, nurse_api, region, held
):
    body = post_booking(
        scheduler_api, clinic, warfarin_patient, CASE, procedure_type="MBB", region=region
    ).json()
    assert bool(body["holds"]) is held
    kinds = {
        r["kind"] for r in scheduler_api.get(f"/api/appointments/{body['id']}/reminders/").json()
    }
    assert ("anticoagulant_stop" in kinds) is held
    assert ("inr" in codes(nurse_api, body["id"])) is held


def test_a_date_whose_last_dose_has_passed_is_refused_with_the_first_date_that_works(
    clinic, warfarin_patient, scheduler_api
):
    # Today is Monday 2nd: a case on Friday 6th needs the last dose on Sunday 31 Oct... passed.
    response = post_booking(
        scheduler_api, clinic, warfarin_patient, local(2026, 11, 6, 9, 0), procedure_type="ESI_IL"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "not_eligible"
    [violation] = body["violations"]
    assert violation["code"] == "anticoagulant_hold_too_short"
    assert violation["eligible_from"] == "2026-11-08"  # today + 5 + 1
    assert body["eligible_from"] == "2026-11-08"
    assert not Appointment.objects.exists()


def test_slot_search_for_a_warfarin_patient_starts_when_the_hold_can_be_met(
    clinic, warfarin_patient, scheduler_api
):
    response = scheduler_api.get(
        "/api/slots/",
        {
            "procedure_type": "ESI_IL",
            "patient": warfarin_patient.pk,
            "region": "lumbar",
            "side": "left",
            "limit": 3,
        },
    )
    assert response.status_code == 200
    first = dt.datetime.fromisoformat(response.json()[0]["start"])
    # 8th is a Sunday: the first working slot is Monday 9th at 08:00.
    assert first == local(2026, 11, 9, 8, 0)


def test_a_drug_added_after_booking_replans_the_case_and_flags_a_hold_already_missed(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = post_booking(
        scheduler_api, clinic, patient, local(2026, 11, 5, 9, 0), procedure_type="ESI_IL"
    )
    assert case.status_code == 201
    assert case.json()["holds"] == []

    added = nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "clopidogrel"})
    assert added.status_code == 201
    detail = scheduler_api.get(f"/api/appointments/{case.json()['id']}/").json()
    [hold] = detail["holds"]
    assert hold["drug"] == "clopidogrel"
    [flag] = detail["attention"]
    assert flag["code"] == "anticoagulant_hold_too_short"
    assert flag["detail"].startswith("Hold cannot be met: Clopidogrel (7 days)")
    assert "hold_confirmed" in codes(nurse_api, case.json()["id"])

    medication_id = nurse_api.get(f"/api/patients/{patient.pk}/medications/").json()[0]["id"]
    assert (
        nurse_api.delete(f"/api/patients/{patient.pk}/medications/{medication_id}/").status_code
        == 204
    )
    detail = scheduler_api.get(f"/api/appointments/{case.json()['id']}/").json()
    assert detail["holds"] == []
    assert detail["attention"] == []
    assert "hold_confirmed" not in codes(nurse_api, case.json()["id"])
    stop = Reminder.objects.filter(kind="anticoagulant_restart").values_list("status", flat=True)
    assert set(stop) <= {ReminderStatus.CANCELLED}


def test_check_in_waits_for_the_required_items_unless_overridden_with_an_audited_reason(
    clinic, scheduler_api, nurse_api, clock
):
    patient = PatientFactory()
    case = post_booking(
        scheduler_api, clinic, patient, CASE, procedure_type="TPI", room=clinic.exam.pk
    ).json()
    clock.move_to(local(2026, 11, 19, 8, 0))

    refused = nurse_api.post(f"/api/appointments/{case['id']}/check-in/", {})
    assert refused.status_code == 409
    assert refused.json()["code"] == "checklist_incomplete"
    assert {i["code"] for i in refused.json()["open_items"]} == {
        "identity",
        "consent",
        "no_infection",
    }

    overridden = nurse_api.post(
        f"/api/appointments/{case['id']}/check-in/", {"override_reason": "Consent on paper"}
    )
    assert overridden.status_code == 200
    event = AuditEvent.objects.get(action="appointment.check_in_override")
    assert event.reason == "Consent on paper"
    assert event.actor == nurse_api.user
    assert set(event.changes["open_items"]) == {"identity", "consent", "no_infection"}


def test_ticking_every_required_item_lets_the_patient_check_in(
    clinic, warfarin_patient, scheduler_api, nurse_api, clock
):
    case = post_booking(
        scheduler_api, clinic, warfarin_patient, CASE, procedure_type="ESI_IL"
    ).json()
    clock.move_to(local(2026, 11, 19, 8, 0))
    items = nurse_api.get(f"/api/appointments/{case['id']}/checklist/").json()
    for item in items:
        value = {"inr": "1.1", "glucose": "142"}.get(item["code"])
        body = {"done": True, **({"value": value} if value else {})}
        response = nurse_api.patch(f"/api/appointments/{case['id']}/checklist/{item['id']}/", body)
        assert response.status_code == 200, (item["code"], response.content)
        assert response.json()["done"] is True
        assert response.json()["done_by"] == nurse_api.user.username
    assert nurse_api.post(f"/api/appointments/{case['id']}/check-in/", {}).status_code == 200


@pytest.mark.parametrize(
    ("value", "ok"), [("1.4", True), ("1.41", False), ("abc", False), ("", False)]
)
def test_an_inr_above_the_limit_or_not_a_number_cannot_tick_the_item(
    clinic, warfarin_patient, scheduler_api, nurse_api, value, ok
):
    case = post_booking(
        scheduler_api, clinic, warfarin_patient, CASE, procedure_type="ESI_IL"
    ).json()
    [inr] = [
        i
        for i in nurse_api.get(f"/api/appointments/{case['id']}/checklist/").json()
        if i["code"] == "inr"
    ]
    response = nurse_api.patch(
        f"/api/appointments/{case['id']}/checklist/{inr['id']}/", {"done": True, "value": value}
    )
    assert response.status_code == (200 if ok else 400), response.content
    if not ok:
        assert "value" in response.json()


def test_prior_authorization_is_satisfied_only_by_an_approved_one_valid_on_the_date(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory(payer=payer("aetna"))  # Aetna lists the stimulator trial
    case = post_booking(
        scheduler_api,
        clinic,
        patient,
        CASE,
        procedure_type="SCS_TRIAL",
        region="thoracic",
        side="bilateral",
    )
    # The trial needs a cleared psych evaluation first.
    assert case.status_code == 422
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2026-10-01", "cleared": True},
    )
    case = post_booking(
        scheduler_api,
        clinic,
        patient,
        CASE,
        procedure_type="SCS_TRIAL",
        region="thoracic",
        side="bilateral",
    ).json()
    item = next(
        i
        for i in nurse_api.get(f"/api/appointments/{case['id']}/checklist/").json()
        if i["code"] == "prior_auth"
    )
    assert item["done"] is False
    tick = nurse_api.patch(
        f"/api/appointments/{case['id']}/checklist/{item['id']}/", {"done": True}
    )
    assert tick.status_code == 400

    created = scheduler_api.post(
        f"/api/patients/{patient.pk}/prior-authorizations/",
        {
            "procedure_type": "SCS_TRIAL",
            "payer": "aetna",
            "status": "approved",
            "number": "PA-778",
            "approved_units": 1,
            "valid_from": "2026-11-01",
            "valid_to": "2026-11-30",
        },
    )
    assert created.status_code == 201, created.content
    item = next(
        i
        for i in nurse_api.get(f"/api/appointments/{case['id']}/checklist/").json()
        if i["code"] == "prior_auth"
    )
    assert (item["done"], item["value"]) == (True, "PA-778")

    moved = scheduler_api.post(
        f"/api/appointments/{case['id']}/reschedule/", {"start": "2026-12-03T09:00:00-05:00"}
    )
    assert moved.status_code == 200, moved.content
    item = next(
        i
        for i in nurse_api.get(f"/api/appointments/{case['id']}/checklist/").json()
        if i["code"] == "prior_auth"
    )
    assert item["done"] is False


def scs_trial_items(clinic, scheduler_api, nurse_api, patient) -> set[str]:
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2026-10-01", "cleared": True},
    )
    case = post_booking(
        scheduler_api,
        clinic,
        patient,
        CASE,
        procedure_type="SCS_TRIAL",
        region="thoracic",
        side="bilateral",
    )
    assert case.status_code == 201, case.content
    rows = nurse_api.get(f"/api/appointments/{case.json()['id']}/checklist/").json()
    return {row["code"] for row in rows}


@pytest.mark.parametrize(
    ("payer_code", "asked"),
    [(None, False), ("self_pay", False), ("medicare", True), ("uhc", True), ("tricare", True)],
)
def test_the_authorization_item_follows_the_payers_list_and_self_pay_has_none(
    clinic, scheduler_api, nurse_api, payer_code, asked
):
    patient = PatientFactory(payer=payer(payer_code) if payer_code else None)

    items = scs_trial_items(clinic, scheduler_api, nurse_api, patient)

    assert ("prior_auth" in items) is asked


def test_a_new_payers_list_starts_with_the_stimulator_and_a_manager_can_change_it(
    clinic, scheduler_api, nurse_api
):
    newcomer = Payer.objects.create(code="humana", name="Humana")
    listed = set(
        PayerPriorAuthorization.objects.filter(payer=newcomer).values_list(
            "procedure_type__code", flat=True
        )
    )
    assert listed == {"SCS_TRIAL", "SCS_IMPLANT"}

    PayerPriorAuthorization.objects.filter(payer=newcomer).delete()
    items = scs_trial_items(clinic, scheduler_api, nurse_api, PatientFactory(payer=newcomer))

    assert "prior_auth" not in items


def test_authorizations_expiring_before_their_booked_case_are_listed(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2026-10-01", "cleared": True},
    )
    case = post_booking(
        scheduler_api,
        clinic,
        patient,
        CASE,
        procedure_type="SCS_TRIAL",
        region="thoracic",
        side="bilateral",
    )
    assert case.status_code == 201
    auth = scheduler_api.post(
        f"/api/patients/{patient.pk}/prior-authorizations/",
        {
            "procedure_type": "SCS_TRIAL",
            "payer": "aetna",
            "status": "approved",
            "number": "PA-9",
            "valid_from": "2026-10-01",
            "valid_to": "2026-11-10",
        },
    ).json()
    listed = scheduler_api.get("/api/prior-authorizations/", {"expiring_within": 14}).json()
    assert [row["id"] for row in listed] == [auth["id"]]
    assert listed[0]["case"]["id"] == case.json()["id"]
    assert scheduler_api.get("/api/prior-authorizations/", {"expiring_within": 3}).json() == []
    assert (
        scheduler_api.get("/api/prior-authorizations/", {"expiring_within": -1}).status_code == 400
    )


def test_the_nurse_worklist_reads_in_a_fixed_number_of_queries(
    clinic, scheduler_api, nurse_api, django_assert_max_num_queries, clock
):
    for hour in (9, 10, 11):
        patient = PatientFactory()
        nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "apixaban"})
        post_booking(
            scheduler_api, clinic, patient, local(2026, 11, 19, hour, 0), procedure_type="ESI_TF"
        )
    clock.move_to(local(2026, 11, 18, 7, 0))
    with django_assert_max_num_queries(12):
        response = nurse_api.get("/api/worklist/")
    assert response.status_code == 200
    cases = response.json()["cases"]
    assert len(cases) == 3
    assert all(case["open_items"] for case in cases)
    assert scheduler_api.get("/api/worklist/").status_code == 403
