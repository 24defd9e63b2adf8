"""Ten desks acting on one freed time at once: real threads, real connections, one winner."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from scheduling import services
from scheduling.models import LIVE_OFFERS, Appointment, FreedSlot, Status, WaitlistMatch
from scheduling.waitlist.entries import waitlist_add
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic
from tests.test_races import race

NOW = local(2026, 11, 18, 10, 0)
pytestmark = [
    pytest.mark.race,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.clock_at(NOW),
]
DESKS = 10


@pytest.fixture
def token(make_staff) -> str:
    from clinic.api.tokens import issue_token

    return issue_token(make_staff("scheduler"))[1]


def freed_with_waiting() -> FreedSlot:
    clinic = make_small_clinic()
    for _ in range(DESKS):
        waitlist_add(
            patient=PatientFactory(),
            procedure_type=clinic.procedure("ESI_IL"),
            region="lumbar",
            side="right",
            earliest=dt.date(2026, 11, 18),
            latest=dt.date(2026, 12, 18),
            acting_user=None,
        )
    case = book_case(clinic, start=local(2026, 11, 25, 11), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    freed = FreedSlot.objects.get(appointment=case)
    assert freed.matches.count() == DESKS
    return freed


def test_ten_desks_booking_ten_waiting_patients_into_one_freed_time_give_one_case(token):
    freed = freed_with_waiting()

    def booking(match_id: int) -> Callable[[APIClient], object]:
        url = f"/api/freed-slots/{freed.pk}/book/"
        return lambda client: client.post(url, {"match": match_id}, format="json")

    codes = race(token, [booking(m.pk) for m in freed.matches.all()])

    assert Counter(codes) == Counter({201: 1, 409: DESKS - 1}), Counter(codes)
    assert Appointment.objects.filter(start=freed.start, status=Status.SCHEDULED).count() == 1
    freed.refresh_from_db()
    assert freed.filled_by is not None


def test_ten_desks_offering_one_freed_time_at_once_make_one_offer(token):
    freed = freed_with_waiting()
    url = f"/api/freed-slots/{freed.pk}/offer/"

    codes = race(token, [lambda client: client.post(url) for _ in range(DESKS)])

    assert Counter(codes) == Counter({202: 1, 409: DESKS - 1}), Counter(codes)
    live = WaitlistMatch.objects.filter(freed_slot=freed, offer_status__in=LIVE_OFFERS)
    assert [m.rank for m in live] == [1]
