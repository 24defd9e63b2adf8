"""Dates no clinic could mean, typed into any page's form: a field error, never a 500.

A year 9999 once overflowed the date arithmetic behind the booking search ("30 days from
then") and the calendar; every page field of a date or a time is range-checked where it is
parsed (scheduling/pages/fields.py).
"""

from __future__ import annotations

import pytest

from scheduling.models import Appointment
from tests.pages_helpers import page_text
from tests.scheduling_helpers import book_case, local

pytestmark = pytest.mark.clock_at(local(2026, 11, 18, 10, 0))
REFUSAL = "Choose a date between 1900 and 2200."
CASE = "patient={patient}&procedure_type=MBB&region=lumbar&side=right"
PAGES = [
    "/book/?" + CASE + "&from={far}",
    "/book/?" + CASE + "&start={far}T09:00",
    "/book/why/?" + CASE + "&date={far}&time=09:00",
    "/book/confirm/?" + CASE + "&start={far}T09:00&provider={provider}&room={room}",
    "/appointments/{case}/reschedule/?from={far}",
    "/calendar/?date={far}",
    "/station/?date={far}",
]


@pytest.fixture
def case(clinic) -> Appointment:
    return book_case(clinic, start=local(2026, 11, 19, 9, 0))


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("page", PAGES)
def test_a_date_out_of_any_clinics_range_is_refused_in_words(clinic, case, pages_as, page, far):
    url = page.format(
        patient=case.patient_id,
        case=case.pk,
        provider=clinic.chen.pk,
        room=clinic.suite1.pk,
        far=far,
    )

    response = pages_as("manager").get(url)

    assert response.status_code in (200, 400), (url, response.status_code)
    assert REFUSAL in page_text(response) or "not a date" in page_text(response), url


@pytest.mark.parametrize("far", ["9999-12-31T09:00", "0001-01-01T09:00"])
def test_moving_a_case_to_a_time_out_of_range_is_refused_beside_the_field(case, pages_as, far):
    response = pages_as("scheduler").post(f"/appointments/{case.pk}/reschedule/", {"start": far})

    assert response.status_code == 200
    assert REFUSAL in page_text(response)
    case.refresh_from_db()
    assert case.start == local(2026, 11, 19, 9, 0)


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_the_print_sheet_given_an_impossible_date_prints_today_and_says_so(pages_as, far):
    response = pages_as("nurse").get(f"/station/print/?date={far}")

    assert response.status_code == 200
    assert "Day sheet, 18 November 2026" in page_text(response)
