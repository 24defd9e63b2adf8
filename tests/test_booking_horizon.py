"""The booking horizon (BOOKING_HORIZON_MONTHS, default 18): booking and rescheduling past it
are refused 422 `beyond_horizon`, and slot search never looks past it."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.horizon import add_months, last_bookable_day
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, booking_body, local

NOW = local(2026, 11, 18, 10, 0)  # a Wednesday
pytestmark = pytest.mark.clock_at(NOW)

# 18 months on: Thursday 18 May 2028.
LAST_DAY = dt.date(2028, 5, 18)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 11, 18), 18, dt.date(2028, 5, 18)),
        (dt.date(2026, 8, 31), 18, dt.date(2028, 2, 29)),  # a leap February
        (dt.date(2027, 8, 31), 18, dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    ],
)
def test_months_are_counted_on_the_calendar_with_short_months_clamped(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.django_db
def test_the_last_bookable_day_is_eighteen_months_from_today_on_the_clinics_clock():
    assert last_bookable_day() == LAST_DAY


@pytest.mark.django_db
def test_a_case_on_the_last_bookable_day_is_booked_and_the_next_day_is_refused(
    clinic, scheduler_api
):
    patient = PatientFactory()
    inside = scheduler_api.post(
        "/api/appointments/", booking_body(clinic, patient.pk, local(2028, 5, 16, 9)), format="json"
    )
    assert inside.status_code == 201, inside.content

    beyond = scheduler_api.post(
        "/api/appointments/",
        booking_body(clinic, PatientFactory().pk, local(2028, 5, 22, 9)),
        format="json",
    )

    assert beyond.status_code == 422
    body = beyond.json()
    assert body["code"] == "beyond_horizon"
    assert body["detail"] == (
        "Cases are booked at most 18 months ahead: the last day that can be booked now is "
        "Thu 18 May 2028. Choose an earlier start."
    )
    assert Appointment.objects.count() == 1


@pytest.mark.django_db
def test_a_case_in_the_year_2150_is_refused_beyond_the_horizon(clinic, scheduler_api):
    response = scheduler_api.post(
        "/api/appointments/",
        booking_body(clinic, PatientFactory().pk, local(2150, 3, 4, 9)),
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "beyond_horizon"
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_case_in_the_year_2999_is_no_date_a_clinic_could_mean(clinic, scheduler_api):
    response = scheduler_api.post(
        "/api/appointments/",
        booking_body(clinic, PatientFactory().pk, local(2999, 3, 4, 9)),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"start": ["Choose a date between 1900 and 2200."]}
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_rescheduling_beyond_the_horizon_is_refused_and_the_case_stays(clinic, scheduler_api):
    case = book_case(clinic, start=local(2026, 11, 20, 9))

    response = scheduler_api.post(
        f"/api/appointments/{case.pk}/reschedule/",
        {"start": local(2028, 6, 1, 9).isoformat()},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "beyond_horizon"
    case.refresh_from_db()
    assert case.start == local(2026, 11, 20, 9)


@pytest.mark.django_db
def test_the_horizon_is_a_setting(clinic, scheduler_api, settings):
    settings.BOOKING_HORIZON_MONTHS = 1
    too_far = scheduler_api.post(
        "/api/appointments/",
        booking_body(clinic, PatientFactory().pk, local(2026, 12, 21, 9)),
        format="json",
    )
    within = scheduler_api.post(
        "/api/appointments/",
        booking_body(clinic, PatientFactory().pk, local(2026, 12, 18, 9)),
        format="json",
    )

    assert too_far.json()["code"] == "beyond_horizon"
    assert too_far.json()["detail"].startswith("Cases are booked at most 1 month ahead: ")
    assert "Fri 18 Dec 2026" in too_far.json()["detail"]
    assert within.status_code == 201, within.content


@pytest.mark.django_db
def test_slot_search_never_offers_a_start_past_the_horizon(clinic, scheduler_api):
    response = scheduler_api.get(
        "/api/slots/",
        {"procedure_type": "MBB", "after": local(2028, 5, 18, 16).isoformat(), "limit": 50},
    )

    assert response.status_code == 200
    starts = [dt.datetime.fromisoformat(slot["start"]) for slot in response.json()]
    # The last hour of Thursday 18 May is offered; Friday 19 May is past the horizon.
    assert starts
    assert {start.date() for start in starts} == {LAST_DAY}
    assert len(starts) < 50


@pytest.mark.django_db
def test_slot_search_from_beyond_the_horizon_finds_nothing(clinic, scheduler_api):
    response = scheduler_api.get(
        "/api/slots/", {"procedure_type": "MBB", "after": local(2028, 7, 3, 8).isoformat()}
    )

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.django_db
def test_why_not_this_time_names_the_horizon_as_booking_would(clinic):
    from scheduling.explain import BEYOND_HORIZON, explain

    found = explain(
        patient=PatientFactory(),
        procedure_type=clinic.procedure("MBB"),
        region="lumbar",
        side="right",
        start=local(2028, 5, 22, 9),
        providers=[clinic.chen],
        rooms=[clinic.suite1],
    )

    assert [r.code for r in found.reasons] == [BEYOND_HORIZON]
    assert found.reasons[0].text.endswith("Thu 18 May 2028. Choose an earlier start.")
