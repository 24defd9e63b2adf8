"""API tokens: hashed, expiring after API_TOKEN_HOURS without use, renewed while in use, and
revoked by sign-out, a password change or deactivation (API.md, "Getting in")."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.models import ApiToken, AuditEvent, AuditKind

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 13, 0, tzinfo=dt.UTC)
PASSWORD = "pw-for-tests-1"


def sign_in(client: APIClient, username: str) -> dict:
    response = client.post(
        "/api/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def works(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/drugs/").status_code


def test_the_token_answer_carries_its_expiry_ten_hours_ahead(make_staff, anon_api):
    make_staff("nurse", username="nina")
    with time_machine.travel(START, tick=False):
        body = sign_in(anon_api, "nina")

    assert dt.datetime.fromisoformat(body["expiry"]) == START + dt.timedelta(hours=10)
    assert set(body) == {"token", "expiry"}


def test_a_token_unused_for_ten_hours_is_refused_and_deleted(make_staff, anon_api):
    make_staff("nurse", username="nina")
    with time_machine.travel(START, tick=False) as clock:
        token = sign_in(anon_api, "nina")["token"]
        clock.shift(dt.timedelta(hours=9, minutes=59))
        assert works(token) == 200
        # That use renewed it: ten hours from now, not from the sign-in.
        clock.shift(dt.timedelta(hours=9, minutes=59))
        assert works(token) == 200
        clock.shift(dt.timedelta(hours=10, minutes=1))
        assert works(token) == 401

    assert not ApiToken.objects.exists()


def test_the_api_token_hours_are_a_setting(make_staff, anon_api, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": dt.timedelta(hours=2)}
    make_staff("nurse", username="nina")
    with time_machine.travel(START, tick=False) as clock:
        body = sign_in(anon_api, "nina")
        clock.shift(dt.timedelta(hours=2, minutes=1))
        assert works(body["token"]) == 401

    assert dt.datetime.fromisoformat(body["expiry"]) == START + dt.timedelta(hours=2)


def test_signing_out_revokes_that_token_only(make_staff, anon_api):
    make_staff("scheduler", username="sam")
    desk = sign_in(anon_api, "sam")["token"]
    script = sign_in(anon_api, "sam")["token"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {desk}")
    response = client.post("/api/auth/logout/")

    assert response.status_code == 204
    assert works(desk) == 401
    assert works(script) == 200
    signed_out = AuditEvent.objects.get(action="auth.sign_out")
    assert (signed_out.kind, signed_out.actor_username) == (AuditKind.AUTH, "sam")


def test_signing_out_twice_is_a_401_the_second_time(make_staff, anon_api):
    make_staff("scheduler", username="sam")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {sign_in(anon_api, 'sam')['token']}")

    assert client.post("/api/auth/logout/").status_code == 204
    again = client.post("/api/auth/logout/")

    assert again.status_code == 401
    assert again.json()["code"] == "authentication_failed"


def test_signing_out_needs_a_token(anon_api):
    response = anon_api.post("/api/auth/logout/")

    assert response.status_code == 401


def test_a_password_change_revokes_every_token_of_that_user(make_staff, anon_api):
    user = make_staff("nurse", username="nina")
    other = make_staff("nurse", username="nora")
    first, second = sign_in(anon_api, "nina")["token"], sign_in(anon_api, "nina")["token"]
    noras = sign_in(anon_api, "nora")["token"]

    # Through the model, as the admin's and `changepassword`'s forms do: no door is special.
    user.set_password("a-new-password-2")
    user.save()

    assert (works(first), works(second)) == (401, 401)
    assert works(noras) == 200
    assert other.is_active
    fresh = anon_api.post(
        "/api/auth/token/", {"username": "nina", "password": "a-new-password-2"}, format="json"
    )
    assert works(fresh.json()["token"]) == 200


def test_deactivating_a_user_revokes_all_their_tokens(make_staff, anon_api):
    user = make_staff("nurse", username="nina")
    first, second = sign_in(anon_api, "nina")["token"], sign_in(anon_api, "nina")["token"]

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert works(first) == 401
    # The first refusal deleted both, so switching the account back on revives neither.
    assert not ApiToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert works(second) == 401


def test_a_token_is_stored_only_as_a_digest(make_staff, anon_api):
    make_staff("nurse", username="nina")
    token = sign_in(anon_api, "nina")["token"]

    stored = ApiToken.objects.get()
    assert token not in stored.digest
    assert len(stored.digest) == 128
    assert stored.expiry > timezone.now()


def test_an_api_sign_in_is_an_auth_event_with_the_address(make_staff):
    make_staff("nurse", username="nina")
    client = APIClient(REMOTE_ADDR="10.1.2.3")

    sign_in(client, "nina")
    client.post("/api/auth/token/", {"username": "nina", "password": "wrong"}, format="json")

    events = {e.action: e for e in AuditEvent.objects.filter(kind=AuditKind.AUTH)}
    assert set(events) == {"auth.sign_in", "auth.sign_in_failed"}
    assert events["auth.sign_in"].actor_username == "nina"
    assert events["auth.sign_in"].ip == "10.1.2.3"
    assert events["auth.sign_in_failed"].actor_username == "nina"
    assert events["auth.sign_in_failed"].actor_id is None
    assert events["auth.sign_in_failed"].changes == {"door": "api"}


def test_the_forwarded_address_is_believed_only_behind_a_trusted_proxy(make_staff, settings):
    make_staff("nurse", username="nina")
    client = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")

    sign_in(client, "nina")
    settings.TRUST_X_FORWARDED_FOR = True
    sign_in(client, "nina")

    addresses = list(
        AuditEvent.objects.filter(action="auth.sign_in").order_by("id").values_list("ip", flat=True)
    )
    assert addresses == ["10.0.0.1", "203.0.113.9"]


def test_purging_deletes_expired_tokens_and_those_of_inactive_users(make_staff, anon_api):
    from clinic.api.tokens import purge_expired_tokens

    make_staff("nurse", username="nina")
    gone = make_staff("nurse", username="nora")
    make_staff("nurse", username="noel")
    with time_machine.travel(START, tick=False) as clock:
        sign_in(anon_api, "nina")
        clock.shift(dt.timedelta(hours=8))
        sign_in(anon_api, "nora")
        kept = sign_in(anon_api, "noel")["token"]
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        clock.shift(dt.timedelta(hours=3))

        assert purge_expired_tokens() == 2
        assert works(kept) == 200

    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["noel"]


def test_every_periodic_task_names_a_registered_task_and_the_purge_is_hourly():
    from config.celery import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule

    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
    assert schedule["purge-expired-api-tokens"]["schedule"] == 3600.0
