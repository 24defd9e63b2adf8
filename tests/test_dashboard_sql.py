"""The dashboard's database expressions give the same answers on PostgreSQL and SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from scheduling.dashboard.sql import DaysBetween, EpochSeconds, Median, local_day
from scheduling.models import Appointment
from tests.scheduling_helpers import book_case, local

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 3, 2, 7))]

MINUTES = (EpochSeconds("end") - EpochSeconds("start")) / 60


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(clinic):
    book_case(clinic, start=local(2026, 3, 2, 9))  # 30 minutes
    book_case(clinic, start=local(2026, 3, 2, 10), code="ESI_IL")  # 30
    book_case(clinic, start=local(2026, 3, 2, 11), code="KYPHOPLASTY")  # 60
    book_case(clinic, start=local(2026, 3, 2, 13), code="KYPHOPLASTY")  # 60
    assert Appointment.objects.aggregate(m=Median(MINUTES))["m"] == 45.0


def test_median_honours_a_filter_and_is_none_over_no_rows(clinic):
    book_case(clinic, start=local(2026, 3, 2, 9))
    book_case(clinic, start=local(2026, 3, 2, 10), code="KYPHOPLASTY")
    only_mbb = Appointment.objects.aggregate(
        m=Median(MINUTES, filter=Q(procedure_type__code="MBB"))
    )
    assert only_mbb["m"] == 30.0
    assert Appointment.objects.none().aggregate(m=Median(MINUTES))["m"] is None


def test_local_day_and_days_between_count_clinic_dates(clinic):
    # 23:30 in New York is already the next day in UTC: the clinic's date is the 2nd.
    case = book_case(clinic, start=local(2026, 3, 4, 9))
    Appointment.objects.filter(pk=case.pk).update(created_at=local(2026, 3, 2, 23, 30))
    row = (
        Appointment.objects.annotate(
            booked_on=local_day("created_at"),
            ahead=DaysBetween(local_day("start"), local_day("created_at")),
        )
        .values("booked_on", "ahead")
        .get()
    )
    assert row == {"booked_on": dt.date(2026, 3, 2), "ahead": 2}
