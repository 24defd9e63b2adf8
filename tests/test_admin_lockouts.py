"""Locked sign-ins in the admin: a manager sees who is locked, until when and for how long
still, and unlocks them (audited); schedulers and nurses see none of it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from clinic.lockout import lock_of
from clinic.models import AuditEvent, AuditKind
from tests.pages_helpers import html_of, page_text, table_rows, visible_text

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)  # 09:00 at the clinic
RIGHT = "pw-for-tests-1"
LIST = "/admin/axes/accessattempt/"


def wrong_passwords(username: str, times: int = 5) -> None:
    for _ in range(times):
        Client().post("/login/", {"username": username, "password": "guess"})


def sign_in(username: str) -> int:
    return Client().post("/login/", {"username": username, "password": RIGHT}).status_code


def row_of(html: str, username: str) -> list[str]:
    [row] = [row for row in table_rows(html) if username in row]
    return row


@pytest.fixture
def manager(make_staff) -> Client:
    client = Client()
    client.force_login(make_staff("manager", username="maria.manager"))
    return client


def test_a_manager_sees_the_locked_username_the_time_it_lifts_and_the_time_left(
    make_staff, manager
):
    make_staff("scheduler", username="sam")
    with time_machine.travel(START, tick=False) as clock:
        wrong_passwords("sam")
        clock.shift(dt.timedelta(minutes=6))
        html = html_of(manager.get(LIST))

    assert "Locked sign-ins and failed attempts" in visible_text(html)
    # After the row's checkbox: username, failures, last failure, locked until, time left,
    # address, door.
    assert row_of(html, "sam")[1:] == [
        "sam",
        "5",
        "Tue 01 Dec 09:00:00",
        "Tue 01 Dec 09:15:00",
        "9 min",
        "127.0.0.1",
        "/login/",
    ]


def test_a_few_wrong_passwords_are_listed_but_not_locked(make_staff, manager):
    make_staff("nurse", username="nina")
    wrong_passwords("nina", times=2)

    row = row_of(html_of(manager.get(LIST)), "nina")

    assert row[2] == "2"
    assert row[4:6] == ["—", "not locked"]


def test_the_locked_now_filter_lists_only_the_locked(make_staff, manager):
    wrong_passwords("sam")
    wrong_passwords("nina", times=2)

    html = html_of(manager.get(LIST, {"locked": "yes"}))

    assert row_of(html, "sam")
    assert not [row for row in table_rows(html) if "nina" in row]


def test_unlock_lets_the_user_sign_in_at_once_and_is_audited(make_staff, manager):
    make_staff("scheduler", username="sam")
    wrong_passwords("sam")
    wrong_passwords("sue", times=5)
    assert sign_in("sam") == 429
    sam_rows = list(AccessAttempt.objects.filter(username="sam").values_list("pk", flat=True))

    response = manager.post(LIST, {"action": "unlock", "_selected_action": sam_rows}, follow=True)

    assert "Unlocked sam: they can sign in again now." in page_text(response)
    assert lock_of("sam") is None
    assert lock_of("sue") is not None  # only the usernames chosen
    assert sign_in("sam") == 302
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert (event.kind, event.actor_username, event.object_id) == (
        AuditKind.AUTH,
        "maria.manager",
        "sam",
    )
    assert event.ip == "127.0.0.1"


def test_attempts_are_not_deleted_but_through_unlock(make_staff, manager):
    wrong_passwords("sam")
    pk = AccessAttempt.objects.get(username="sam").pk

    html = html_of(manager.get(LIST))
    manager.post(LIST, {"action": "delete_selected", "_selected_action": [pk]})

    assert 'value="unlock"' in html
    assert 'value="delete_selected"' not in html
    assert AccessAttempt.objects.filter(pk=pk).exists()
    assert manager.get(f"{LIST}{pk}/delete/").status_code == 403


def test_the_admin_index_offers_managers_the_list(manager):
    html = html_of(manager.get("/admin/"))

    assert f'href="{LIST}"' in html


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_schedulers_and_nurses_see_no_locks(make_staff, role):
    wrong_passwords("sam")
    client = Client()
    client.force_login(make_staff(role))

    response = client.get(LIST, follow=True)

    assert response.status_code == 403
    assert "sam" not in page_text(response)
    assert client.post(LIST, {"action": "unlock", "_selected_action": [1]}).status_code != 200
    assert lock_of("sam") is not None


def test_the_dashboard_links_to_the_locked_sign_ins(manager):
    html = html_of(manager.get("/dashboard/"))

    assert f'href="{LIST}">Locked sign-ins</a>' in html
