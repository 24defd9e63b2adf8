"""The stop reminder's evening cut-off (DOMAIN.md): a case whose last dose before a hold is
today can be booked until the evening's quiet hours begin (20:00), when the reminder could no
longer reach the patient before that dose; from then the earliest day moves on by one."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import PatientFactory, PatientMedicationFactory
from tests.scheduling_helpers import local, post_booking

# Wednesday 18 November 2026. Warfarin is held 5 days before an epidural (intermediate risk):
# a case on Tuesday 24 November has its last dose today (24 - 5 - 1 = 18).
TUESDAY_CASE = dt.date(2026, 11, 24)

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 11, 18, 9, 0))]


@pytest.fixture
def patient():
    patient = PatientFactory()
    PatientMedicationFactory(patient=patient)  # warfarin
    return patient


def book_tuesday(api, clinic, patient):
    return post_booking(
        api, clinic, patient, local(2026, 11, 24, 9, 0), procedure_type="ESI_IL", side="left"
    )


def eligibility(api, patient, on: dt.date) -> dict:
    response = api.get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "ESI_IL", "region": "lumbar", "side": "left", "date": str(on)},
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("now", "allowed", "earliest"),
    [
        (local(2026, 11, 18, 19, 59), True, "2026-11-24"),
        (local(2026, 11, 18, 20, 0), False, "2026-11-25"),
        (local(2026, 11, 18, 23, 30), False, "2026-11-25"),
        # After midnight it is a new day: the last dose for the 24th has passed, the 25th's
        # is today and its reminder goes out at 08:00, in time.
        (local(2026, 11, 19, 0, 30), False, "2026-11-25"),
    ],
)
def test_the_last_dose_today_is_bookable_until_the_evening_quiet_hours(
    patient, scheduler_api, clock, now, allowed, earliest
):
    clock.move_to(now)

    answer = eligibility(scheduler_api, patient, TUESDAY_CASE)

    assert answer["allowed"] is allowed
    assert answer["eligible_from"] == earliest
    if not allowed:
        [violation] = answer["violations"]
        assert violation["code"] == "anticoagulant_hold_too_short"
        assert violation["eligible_from"] == earliest


def test_booking_at_20_00_is_refused_with_the_next_day_and_the_sentence_says_why(
    clinic, patient, scheduler_api, clock
):
    clock.move_to(local(2026, 11, 18, 20, 0))

    response = book_tuesday(scheduler_api, clinic, patient)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["eligible_from"] == "2026-11-25"
    assert "too late in the evening to tell the patient" in body["violations"][0]["detail"]


def test_a_booking_before_20_00_plans_the_stop_reminder_now(clinic, patient, scheduler_api, clock):
    clock.move_to(local(2026, 11, 18, 19, 0))

    response = book_tuesday(scheduler_api, clinic, patient)

    assert response.status_code == 201, response.content
    reminders = scheduler_api.get(f"/api/appointments/{response.json()['id']}/reminders/").json()
    [stop] = [r for r in reminders if r["kind"] == "anticoagulant_stop"]
    assert dt.datetime.fromisoformat(stop["due_at"]) == local(2026, 11, 18, 19, 0)
