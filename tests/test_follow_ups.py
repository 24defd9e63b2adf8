"""Follow-ups: relief assessed on a later day, which proves how long relief lasted."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from scheduling import services
from scheduling.models import FollowUp
from tests.scheduling_helpers import book_case, local

BOOKED = local(2026, 11, 18, 8, 0)
CASE_AT = local(2026, 11, 19, 9, 0)
LATER = local(2026, 12, 7, 10, 0)
pytestmark = pytest.mark.clock_at(BOOKED)


@pytest.fixture
def completed(clinic, clock, make_staff):
    """A case done on Thu 19 Nov 2026; the clock then stands on Mon 7 Dec."""
    nurse = make_staff("nurse")
    case = book_case(clinic, start=CASE_AT)
    clock.move_to(local(2026, 11, 19, 8, 30))
    services.appointment_check_in(appointment=case, acting_user=nurse, override_reason="test")
    services.appointment_complete(appointment=case, acting_user=nurse)
    clock.move_to(LATER)
    return case


def follow_ups_url(case) -> str:
    return f"/api/appointments/{case.pk}/follow-ups/"


def test_a_nurse_records_relief_on_a_later_day_and_it_is_listed(completed, nurse_api):
    response = nurse_api.post(
        follow_ups_url(completed),
        {"assessed_on": "2026-12-03", "relief_percent": 70},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["relief_percent"] == 70
    listed = nurse_api.get(follow_ups_url(completed)).json()
    assert [(r["assessed_on"], r["relief_percent"]) for r in listed] == [("2026-12-03", 70)]
    assert AuditEvent.objects.filter(
        action="appointment.follow_up", object_id=str(completed.pk)
    ).exists()


def test_pain_scores_give_the_relief_as_the_outcome_does(completed, nurse_api):
    response = nurse_api.post(
        follow_ups_url(completed),
        {"assessed_on": "2026-12-01", "pain_before": 8, "pain_after": 2},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["relief_percent"], response.json()["pain_after"]) == (75, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"assessed_on": "2026-11-19", "relief_percent": 50}, "assessed_on"),  # the case's day
        ({"assessed_on": "2026-12-08", "relief_percent": 50}, "assessed_on"),  # tomorrow
        ({"assessed_on": "2026-12-01"}, "non_field_errors"),
        ({"assessed_on": "2026-12-01", "relief_percent": 101}, "relief_percent"),
        ({"relief_percent": 50}, "assessed_on"),
    ],
)
def test_a_follow_up_on_a_day_that_proves_nothing_or_without_relief_is_a_400(
    completed, nurse_api, body, field
):
    response = nurse_api.post(follow_ups_url(completed), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert FollowUp.objects.count() == 0


def test_a_case_not_yet_completed_takes_no_follow_up(clinic, nurse_api):
    case = book_case(clinic, start=CASE_AT)

    response = nurse_api.post(
        follow_ups_url(case), {"assessed_on": "2026-11-18", "relief_percent": 50}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_a_scheduler_may_read_follow_ups_but_not_record_them(completed, scheduler_api):
    body = {"assessed_on": "2026-12-01", "relief_percent": 50}

    assert scheduler_api.get(follow_ups_url(completed)).status_code == 200
    assert scheduler_api.post(follow_ups_url(completed), body, format="json").status_code == 403
    assert FollowUp.objects.count() == 0
