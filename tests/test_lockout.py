"""Repeated wrong passwords lock a username on every door for LOGIN_LOCKOUT_MINUTES, even
with the right password, without locking anyone else (django-axes; API.md 429)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from clinic.lockout import current_locks, lock_of
from clinic.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)
RIGHT = "pw-for-tests-1"


def api_sign_in(username: str, password: str, address: str = "10.0.0.7"):
    return APIClient(REMOTE_ADDR=address).post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def page_sign_in(username: str, password: str):
    return Client().post("/login/", {"username": username, "password": password})


def test_the_fifth_wrong_password_locks_the_username_even_with_the_right_password(make_staff):
    make_staff("scheduler", username="sam")
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            assert api_sign_in("sam", "guess").status_code == 400
        fifth = api_sign_in("sam", "guess")
        right = api_sign_in("sam", RIGHT)

    for refused in (fifth, right):
        assert refused.status_code == 429
        body = refused.json()
        assert body["code"] == "too_many_attempts"
        assert body["retry_after"] == 15 * 60
        assert "15 more minutes" in body["detail"]
        assert refused["Retry-After"] == str(15 * 60)
    assert not ApiToken.objects.exists()


def test_retry_after_counts_down_and_the_lock_lifts_after_the_cool_off(make_staff):
    make_staff("scheduler", username="sam")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            api_sign_in("sam", "guess")
        clock.shift(dt.timedelta(minutes=10))
        later = api_sign_in("sam", RIGHT)
        assert later.status_code == 429
        # A refused attempt during the lock does not count as a new wrong password.
        assert later.json()["retry_after"] == 5 * 60
        clock.shift(dt.timedelta(minutes=5, seconds=1))
        assert api_sign_in("sam", RIGHT).status_code == 200


def test_a_lock_on_one_username_leaves_others_at_the_same_desk_alone(make_staff):
    make_staff("scheduler", username="sam")
    make_staff("scheduler", username="sue")
    for _ in range(5):
        api_sign_in("sam", "guess", address="10.0.0.7")

    assert api_sign_in("sue", RIGHT, address="10.0.0.7").status_code == 200
    assert api_sign_in("sam", RIGHT, address="10.0.0.8").status_code == 429


def test_wrong_passwords_on_the_sign_in_page_lock_the_api_too_and_back(make_staff):
    make_staff("nurse", username="nina")
    for _ in range(5):
        page_sign_in("nina", "guess")

    assert api_sign_in("nina", RIGHT).status_code == 429
    page = page_sign_in("nina", RIGHT)
    assert page.status_code == 429
    assert b"Too many wrong passwords" in page.content
    assert page["Retry-After"]


def test_a_right_password_before_the_limit_starts_the_count_afresh(make_staff):
    make_staff("nurse", username="nina")
    for _ in range(4):
        api_sign_in("nina", "guess")
    assert api_sign_in("nina", RIGHT).status_code == 200
    for _ in range(4):
        api_sign_in("nina", "guess")

    assert api_sign_in("nina", RIGHT).status_code == 200


def test_the_limit_and_the_lock_are_settings(make_staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=3)
    make_staff("nurse", username="nina")
    with time_machine.travel(START, tick=False):
        api_sign_in("nina", "guess")
        locked = api_sign_in("nina", "guess")

    assert locked.status_code == 429
    assert locked.json()["retry_after"] == 180


def test_managers_can_read_who_is_locked_and_for_how_long(make_staff):
    make_staff("nurse", username="nina")
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            api_sign_in("nina", "guess")
        api_sign_in("sam", "guess")  # one wrong password is no lock
        clock.shift(dt.timedelta(minutes=4))

        locks = current_locks()
        lock = lock_of("nina")

    assert [lk.username for lk in locks] == ["nina"]
    assert lock is not None
    assert lock.until == START + dt.timedelta(minutes=15)
    assert lock.seconds_left(START + dt.timedelta(minutes=4)) == 11 * 60
    assert lock_of("sam") is None


def test_a_lockout_is_an_auth_event(make_staff):
    make_staff("nurse", username="nina")
    for _ in range(5):
        api_sign_in("nina", "guess", address="10.9.9.9")

    locked = AuditEvent.objects.get(action="auth.locked_out")
    assert (locked.kind, locked.actor_username, locked.ip) == ("auth", "nina", "10.9.9.9")
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 5
