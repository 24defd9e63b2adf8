"""Every change reaches the booked cases (DOMAIN.md, checklist and reminders; issue 15).

Each test books a case first, then changes a fact through the API or the admin, as the
clinic would, and checks the case's checklist, holds, reminders and flags afterwards: they
are exactly what booking the same case now would write (`assert_as_booked_now`), with the
ticks that still apply kept and what no longer applies removed with an audit event.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from clinic.models import AuditEvent
from procedures.models import ChecklistItemTemplate, PayerPriorAuthorization, ReminderRule
from scheduling.models import (
    Appointment,
    ChecklistItem,
    ClinicDay,
    Reminder,
    ReminderStatus,
    WorkingHours,
)
from tests.case_plan_helpers import assert_as_booked_now, rows
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import local, post_booking
from tests.test_rules_admin import AdminForm, assert_saved, change_url

NOW = local(2026, 11, 2, 10, 0)  # a Monday
CASE = local(2026, 11, 19, 9, 0)  # a Thursday, 17 days later

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def manager(make_staff) -> Client:
    client = Client()
    client.force_login(make_staff("manager"))
    return client


def book(api, clinic, patient, start=CASE, **body) -> Appointment:
    response = post_booking(api, clinic, patient, start, **body)
    assert response.status_code == 201, response.content
    return Appointment.objects.get(pk=response.json()["id"])


def codes(case: Appointment) -> set[str]:
    return set(case.checklist_items.values_list("code", flat=True))


def tick(api, case: Appointment, code: str, value: str | None = None) -> None:
    item = case.checklist_items.get(code=code)
    body = {"done": True} if value is None else {"done": True, "value": value}
    response = api.patch(f"/api/appointments/{case.pk}/checklist/{item.pk}/", body)
    assert response.status_code == 200, response.content


def removals(case: Appointment) -> list[AuditEvent]:
    items = AuditEvent.objects.filter(
        action="checklist.remove", object_type="scheduling.checklistitem"
    )
    return [e for e in items if case.patient_id in e.patients]


def pending(case: Appointment, kind: str) -> list[Reminder]:
    return list(case.reminders.filter(kind=kind, status=ReminderStatus.PENDING))


# --- The patient's flags -----------------------------------------------------------------------


def test_a_patient_found_diabetic_after_booking_gets_the_glucose_item_and_keeps_her_ticks(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    assert "glucose" not in codes(case)
    tick(nurse_api, case, "consent")

    changed = nurse_api.patch(f"/api/patients/{patient.pk}/", {"diabetic": True}, format="json")
    assert changed.status_code == 200, changed.content

    assert "glucose" in codes(case)
    assert case.checklist_items.get(code="consent").done  # still applies: still ticked
    assert_as_booked_now(case)


def test_a_flag_taken_back_removes_its_item_with_an_audit_event_even_when_ticked(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory(diabetic=True)
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    tick(nurse_api, case, "glucose", "120")

    nurse_api.patch(f"/api/patients/{patient.pk}/", {"diabetic": False}, format="json")

    assert "glucose" not in codes(case)
    [event] = removals(case)
    assert event.changes == {"label": "Blood glucose recorded", "done": True, "value": "120"}
    assert event.reason == "No longer applies to this case."
    assert event.actor_username  # the nurse who changed the flag
    assert_as_booked_now(case)


def test_a_patient_who_could_be_pregnant_gets_the_pregnancy_item_on_fluoroscopy_cases_only(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    fluoro = book(scheduler_api, clinic, patient, procedure_type="MBB")
    trigger = book(
        scheduler_api,
        clinic,
        patient,
        local(2026, 11, 20, 9, 0),
        procedure_type="TPI",
        room=clinic.exam.pk,
    )

    nurse_api.patch(f"/api/patients/{patient.pk}/", {"could_be_pregnant": True}, format="json")

    assert "pregnancy" in codes(fluoro)
    assert "pregnancy" not in codes(trigger)
    assert_as_booked_now(fluoro)
    assert_as_booked_now(trigger)


def test_a_contrast_allergy_reported_after_booking_adds_premedication_item_and_reminder(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    assert not pending(case, "premedication")

    nurse_api.patch(f"/api/patients/{patient.pk}/", {"contrast_allergy": True}, format="json")

    assert {"contrast_allergy", "premedication"} <= codes(case)
    [reminder] = pending(case, "premedication")
    # 14 hours before a 09:00 start: 19:00 the evening before, outside quiet hours.
    assert reminder.due_at == local(2026, 11, 18, 19, 0)
    assert reminder.context.get("note")  # the protocol, in the message
    assert_as_booked_now(case)

    nurse_api.patch(f"/api/patients/{patient.pk}/", {"contrast_allergy": False}, format="json")
    assert "premedication" not in codes(case)
    assert not pending(case, "premedication")
    assert_as_booked_now(case)


def test_a_premedication_reminder_that_would_fall_in_quiet_hours_moves_earlier_never_later(
    clinic, scheduler_api
):
    patient = PatientFactory(contrast_allergy=True)
    # 14 hours before 11:00 is 21:00, inside quiet hours: it goes at 19:59 instead.
    case = book(scheduler_api, clinic, patient, local(2026, 11, 19, 11, 0), procedure_type="ESI_IL")
    [reminder] = pending(case, "premedication")
    assert reminder.due_at == local(2026, 11, 18, 19, 59)
    reminders = scheduler_api.get(f"/api/appointments/{case.pk}/reminders/").json()
    assert "premedication" in {r["kind"] for r in reminders}


def test_a_procedure_without_contrast_sends_no_premedication_to_an_allergic_patient(
    clinic, scheduler_api
):
    patient = PatientFactory(contrast_allergy=True)
    case = book(scheduler_api, clinic, patient, procedure_type="TPI", room=clinic.exam.pk)
    assert "premedication" not in codes(case)
    assert not pending(case, "premedication")


# --- Payer and authorization lists -------------------------------------------------------------


def test_a_payer_change_brings_and_takes_the_prior_authorization_item(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory(payer=payer("self_pay"))
    cleared = nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2026-10-01", "cleared": True},
    )
    assert cleared.status_code == 201, cleared.content
    case = book(scheduler_api, clinic, patient, procedure_type="SCS_TRIAL", region="thoracic")
    assert "prior_auth" not in codes(case)  # self-pay: none

    moved = scheduler_api.patch(f"/api/patients/{patient.pk}/", {"payer": "bcbs"}, format="json")
    assert moved.status_code == 200, moved.content
    assert "prior_auth" in codes(case)
    assert_as_booked_now(case)

    scheduler_api.patch(f"/api/patients/{patient.pk}/", {"payer": None}, format="json")
    assert "prior_auth" not in codes(case)
    assert len(removals(case)) == 1
    assert_as_booked_now(case)


def test_a_procedure_added_to_a_payers_list_in_the_admin_asks_for_authorization(
    clinic, scheduler_api, manager
):
    patient = PatientFactory(payer=payer("aetna"))
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    assert "prior_auth" not in codes(case)

    form = AdminForm(manager, "/admin/procedures/payerpriorauthorization/add/")
    form["payer"] = payer("aetna").pk
    form["procedure_type"] = clinic.procedure("ESI_IL").pk
    assert_saved(form.post())
    assert "prior_auth" in codes(case)
    assert_as_booked_now(case)

    listed = PayerPriorAuthorization.objects.get(payer__code="aetna", procedure_type__code="ESI_IL")
    response = manager.post(change_url(listed).replace("change/", "delete/"), {"post": "yes"})
    assert response.status_code == 302
    assert "prior_auth" not in codes(case)
    assert_as_booked_now(case)


# --- The catalog -------------------------------------------------------------------------------


def test_a_template_changed_in_the_admin_reaches_upcoming_cases_not_the_ones_done(
    clinic, scheduler_api, nurse_api, manager
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="MBB")
    tick(nurse_api, case, "consent")
    done = book(scheduler_api, clinic, PatientFactory(), local(2026, 11, 2, 13, 0))
    Appointment.objects.filter(pk=done.pk).update(status="completed")

    consent = ChecklistItemTemplate.objects.get(code="consent")
    form = AdminForm(manager, change_url(consent))
    form["label"] = "Consent form signed and witnessed"
    assert_saved(form.post())

    item = case.checklist_items.get(code="consent")
    assert (item.label, item.done) == ("Consent form signed and witnessed", True)
    assert done.checklist_items.get(code="consent").label != item.label
    assert_as_booked_now(case)

    identity = ChecklistItemTemplate.objects.get(code="identity")
    form = AdminForm(manager, change_url(identity))
    form.unset("active")
    assert_saved(form.post())
    assert "identity" not in codes(case)
    assert "identity" in codes(done)
    assert_as_booked_now(case)


def test_a_reminder_rule_changed_in_the_admin_moves_pending_reminders_and_never_resends(
    clinic, scheduler_api, manager
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient)
    [first] = pending(case, "appointment")
    assert first.due_at == CASE - dt.timedelta(hours=48)

    rule = ReminderRule.objects.get(kind="appointment", trigger="booked")
    form = AdminForm(manager, change_url(rule))
    form["offset_minutes"] = -24 * 60
    assert_saved(form.post())

    first.refresh_from_db()
    assert first.status == ReminderStatus.CANCELLED
    [moved] = pending(case, "appointment")
    assert moved.due_at == CASE - dt.timedelta(hours=24)
    assert_as_booked_now(case)

    # Sent: a later change never writes it again.
    Reminder.objects.filter(pk=moved.pk).update(status=ReminderStatus.SENT, sent_at=NOW)
    form = AdminForm(manager, change_url(rule))
    form["note"] = "Bring your medication list."
    assert_saved(form.post())
    live = case.reminders.filter(kind="appointment").exclude(status=ReminderStatus.CANCELLED)
    # Only the wording changed: the patient has had this reminder, it is not sent again.
    assert list(live.values_list("status", flat=True)) == ["sent"]

    # A pending one takes the new wording.
    form["offset_minutes"] = -12 * 60
    assert_saved(form.post())
    [later] = pending(case, "appointment")
    assert later.context == {"note": "Bring your medication list."}


# --- Hours, closures and rooms -----------------------------------------------------------------


def test_a_clinic_closure_added_in_the_admin_flags_the_case_and_removing_it_clears_the_flag(
    clinic, scheduler_api, manager, pages_as
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, local(2026, 11, 5, 9, 0))  # on the desk's list

    form = AdminForm(manager, "/admin/scheduling/clinicday/add/")
    form["date"] = "2026-11-05"
    form["closed"] = "on"
    form["name"] = "Snow day"
    assert_saved(form.post())

    detail = scheduler_api.get(f"/api/appointments/{case.pk}/").json()
    [flag] = detail["attention"]
    assert flag["code"] == "outside_hours"
    assert "closed on Thu 05 Nov 2026 (Snow day)" in flag["detail"]
    assert detail["status"] == "scheduled"  # flagged, never cancelled
    desk = pages_as("scheduler").get("/desk/").content.decode()
    assert "Snow day" in desk and f"/appointments/{case.pk}/reschedule/" in desk
    page = pages_as("scheduler").get(f"/appointments/{case.pk}/").content.decode()
    assert "Needs attention:</strong> The clinic is closed on Thu 05 Nov 2026 (Snow day)." in page
    assert "Reschedule this case" in page

    closure = ClinicDay.objects.get(date=dt.date(2026, 11, 5))
    response = manager.post(change_url(closure).replace("change/", "delete/"), {"post": "yes"})
    assert response.status_code == 302
    assert scheduler_api.get(f"/api/appointments/{case.pk}/").json()["attention"] == []


def test_shortened_working_hours_flag_the_provider_s_cases_outside_them(
    clinic, scheduler_api, manager
):
    case = book(scheduler_api, clinic, PatientFactory(), local(2026, 11, 19, 15, 0))
    other = book(
        scheduler_api,
        clinic,
        PatientFactory(),
        local(2026, 11, 19, 15, 0),
        provider=clinic.ortiz.pk,
        room=clinic.suite2.pk,
    )
    thursday = WorkingHours.objects.get(provider=clinic.chen, weekday=3)
    form = AdminForm(manager, change_url(thursday))
    form["end_time"] = "12:00"
    assert_saved(form.post())

    assert rows(case)["flags"] == ["outside_hours"]
    case.refresh_from_db()
    assert "Dr. Chen is not working 15:00-" in case.attention
    assert rows(other)["flags"] == []


def test_a_room_that_loses_its_fluoroscopy_flags_its_fluoroscopy_cases(
    clinic, scheduler_api, manager
):
    case = book(scheduler_api, clinic, PatientFactory())
    form = AdminForm(manager, change_url(clinic.suite1))
    form.unset("fluoroscopy")
    assert_saved(form.post())
    assert rows(case)["flags"] == ["room_unsuitable"]

    form = AdminForm(manager, change_url(clinic.suite1))
    form["fluoroscopy"] = "on"
    assert_saved(form.post())
    assert rows(case)["flags"] == []


def test_the_dashboard_lists_flagged_cases_with_a_way_to_reschedule(
    clinic, scheduler_api, manager, pages_as
):
    case = book(scheduler_api, clinic, PatientFactory())
    ClinicDay.objects.create(date=dt.date(2026, 11, 19), name="Flooded")
    assert rows(case)["flags"] == []  # written outside the admin: nothing re-planned yet
    form = AdminForm(manager, change_url(ClinicDay.objects.get()))
    assert_saved(form.post())
    page = pages_as("manager").get("/dashboard/").content.decode()
    assert "Booked cases needing attention" in page
    assert "Flooded" in page and f"/appointments/{case.pk}/reschedule/" in page


# --- Sedation per case, drugs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "sedation", "expected"),
    [
        ("MBB", None, False),  # the catalog's default: none
        ("MBB", True, True),
        ("KYPHOPLASTY", None, True),  # the catalog's default: sedation
        ("KYPHOPLASTY", False, False),
    ],
)
def test_npo_and_driver_follow_the_sedation_chosen_for_this_case(
    clinic, scheduler_api, code, sedation, expected
):
    body = {"procedure_type": code, "region": "thoracic" if code == "KYPHOPLASTY" else "lumbar"}
    if sedation is not None:
        body["sedation"] = sedation
    case = book(scheduler_api, clinic, PatientFactory(), **body)
    assert case.sedation is expected
    assert ({"npo", "driver"} <= codes(case)) is expected
    assert not ({"npo", "driver"} & codes(case)) or expected


def test_a_heparin_hold_is_timed_for_the_nurse_with_no_stop_reminder(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "enoxaparin_therapeutic"})
    [hold] = scheduler_api.get(f"/api/appointments/{case.pk}/").json()["holds"]
    assert hold["last_dose_at"] is not None and hold["last_dose_on"] is None
    assert dt.datetime.fromisoformat(hold["last_dose_at"]) == CASE - dt.timedelta(hours=24)
    assert not pending(case, "anticoagulant_stop")
    assert pending(case, "anticoagulant_restart")
    assert_as_booked_now(case)


def test_aspirin_for_secondary_prevention_asks_the_prescriber_and_plans_no_hold(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "aspirin_secondary"})
    assert "aspirin_decision" in codes(case)
    assert not case.holds.exists()
    assert not pending(case, "anticoagulant_stop")
    assert_as_booked_now(case)


def test_a_booking_writes_its_reminders_once_and_cancels_none(clinic, scheduler_api, nurse_api):
    patient = PatientFactory()
    nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "warfarin"})
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    # Before the one planner, the hold reminders were written, cancelled and written again.
    assert not case.reminders.filter(status=ReminderStatus.CANCELLED).exists()
    assert set(case.reminders.values_list("kind", flat=True)) == {
        "appointment",
        "anticoagulant_stop",
        "anticoagulant_restart",
    }
    assert ChecklistItem.objects.filter(appointment=case, code="hold_confirmed").exists()


def test_a_started_case_is_not_replanned(clinic, scheduler_api, nurse_api):
    patient = PatientFactory()
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    Appointment.objects.filter(pk=case.pk).update(status="checked_in")
    nurse_api.patch(f"/api/patients/{patient.pk}/", {"diabetic": True}, format="json")
    assert "glucose" not in codes(case)


def test_a_moved_case_has_the_plan_of_the_case_booked_at_its_new_time_and_room(
    clinic, scheduler_api, nurse_api
):
    patient = PatientFactory(contrast_allergy=True, diabetic=True)
    nurse_api.post(f"/api/patients/{patient.pk}/medications/", {"drug": "clopidogrel"})
    case = book(scheduler_api, clinic, patient, procedure_type="ESI_IL")
    tick(nurse_api, case, "consent")
    tick(nurse_api, case, "glucose", "110")

    moved = scheduler_api.post(
        f"/api/appointments/{case.pk}/reschedule/",
        {"start": local(2026, 11, 24, 11, 0).isoformat(), "room": clinic.suite2.pk},
        format="json",
    )
    assert moved.status_code == 200, moved.content

    assert_as_booked_now(case)
    items = {i.code: i for i in case.checklist_items.all()}
    assert items["consent"].done  # still applies: kept
    assert not items["glucose"].done  # a value taken on the day reopens on another day
    [stop] = pending(case, "anticoagulant_stop")
    assert stop.due_at == local(2026, 11, 16, 9, 0)  # 7 days off before Tuesday 24th
