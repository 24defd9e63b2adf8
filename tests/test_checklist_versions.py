"""Two nurses on one checklist item: the second save is refused, never silently lost.

Each item carries a version, bumped by every change of its tick or value. A save names the
version it read; an older one is refused with 409 `edit_conflict` saying who changed the
item and when. The version is checked in the UPDATE itself, so even callers that race past
the check cannot both win.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from clinic.models import AuditEvent
from scheduling import services
from scheduling.errors import EditConflict
from scheduling.models import ChecklistItem
from tests.factories import drug
from tests.scheduling_helpers import book_case, local, make_small_clinic

NOW = local(2026, 11, 18, 10, 0)
CASE_AT = local(2026, 11, 19, 9, 0)
pytestmark = pytest.mark.clock_at(NOW)


def consent(case) -> ChecklistItem:
    return case.checklist_items.get(code="consent")


def url(item: ChecklistItem) -> str:
    return f"/api/appointments/{item.appointment_id}/checklist/{item.pk}/"


def test_every_change_bumps_the_version_and_says_who_and_when(clinic, make_staff):
    nurse = make_staff("nurse", "nina")
    case = book_case(clinic, start=CASE_AT)
    item = consent(case)
    assert item.version == 1

    ticked = services.checklist_tick(
        appointment=case, item=item, done=True, value=None, acting_user=nurse, expected_version=1
    )

    ticked.refresh_from_db()
    assert (ticked.version, ticked.done, ticked.changed_by, ticked.changed_at) == (
        2,
        True,
        nurse,
        NOW,
    )


def test_a_save_on_an_old_version_is_refused_with_who_changed_it_and_when(
    clinic, make_staff, clock
):
    first, second = make_staff("nurse", "nina"), make_staff("nurse", "olga")
    case = book_case(clinic, start=CASE_AT)
    item = consent(case)
    services.checklist_tick(
        appointment=case, item=item, done=True, value=None, acting_user=first, expected_version=1
    )
    clock.move_to(local(2026, 11, 18, 10, 5))

    with pytest.raises(EditConflict) as refused:
        services.checklist_tick(
            appointment=case,
            item=item,
            done=False,
            value=None,
            acting_user=second,
            expected_version=1,
        )

    assert refused.value.detail.startswith(
        '"Consent signed" was changed by nina at 10:00 after you opened it; reload'
    )
    assert refused.value.extra == {"version": 2}
    item.refresh_from_db()
    assert (item.done, item.done_by, item.version) == (True, first, 2)
    assert AuditEvent.objects.filter(action="checklist.tick", actor=second).count() == 0


def test_the_api_answers_409_edit_conflict_for_an_old_version_and_changes_nothing(
    clinic, nurse_api
):
    case = book_case(clinic, start=CASE_AT)
    item = consent(case)
    fresh = nurse_api.patch(url(item), {"done": True, "version": 1}, format="json")
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["version"] == 2

    stale = nurse_api.patch(url(item), {"done": False, "version": 1}, format="json")

    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "edit_conflict"
    assert "was changed by" in body["detail"]
    assert body["version"] == 2
    item.refresh_from_db()
    assert item.done is True


def test_a_client_that_sends_no_version_still_ticks_as_before(clinic, nurse_api):
    case = book_case(clinic, start=CASE_AT)
    item = consent(case)

    response = nurse_api.patch(url(item), {"done": True}, format="json")

    assert response.status_code == 200
    assert response.json()["done"] is True


@pytest.mark.parametrize("version", [0, -1, "two", 2**31])
def test_a_version_that_is_not_a_positive_whole_number_is_a_400(clinic, nurse_api, version):
    item = consent(book_case(clinic, start=CASE_AT))

    response = nurse_api.patch(url(item), {"done": True, "version": version}, format="json")

    assert response.status_code == 400
    assert "version" in response.json()


def test_a_replan_that_reopens_a_ticked_item_makes_older_pages_reload(clinic, make_staff):
    nurse = make_staff("nurse")
    # An epidural is intermediate risk: warfarin is held, and the INR item is of its day.
    case = book_case(clinic, start=local(2026, 11, 30, 9, 0), code="ESI_IL")
    services.medication_add(
        patient=case.patient,
        drug=drug("warfarin"),
        acting_user=nurse,
    )
    case.refresh_from_db()
    inr = case.checklist_items.get(code="inr")
    services.checklist_tick(
        appointment=case, item=inr, done=True, value="1.1", acting_user=nurse, expected_version=1
    )

    services.appointment_reschedule(
        appointment=case, start=local(2026, 12, 2, 9, 0), acting_user=nurse
    )

    inr.refresh_from_db()
    assert (inr.done, inr.value) == (False, "")
    with pytest.raises(EditConflict):
        services.checklist_tick(
            appointment=case,
            item=inr,
            done=True,
            value="1.2",
            acting_user=nurse,
            expected_version=2,
        )


@pytest.mark.race
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_nurses_saving_the_same_version_at_once_give_one_save_and_nine_409s(make_staff):

    clinic = make_small_clinic()
    token = issue_token(make_staff("nurse"))[1]
    item = consent(book_case(clinic, start=CASE_AT))
    barrier = threading.Barrier(10)

    def save(index: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            # Each save changes the item (a save that changes nothing overwrites nothing).
            body = {"done": True, "value": f"seen by nurse {index}", "version": 1}
            return client.patch(url(item), body, format="json").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = list(pool.map(save, range(10)))

    assert Counter(codes) == Counter({200: 1, 409: 9}), Counter(codes)
    item.refresh_from_db()
    assert item.version == 2
