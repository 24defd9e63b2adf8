"""Per-user rate limits over the whole API (API_RATE_PER_USER), in the lockout's error shape,
generous enough for a busy desk and an integration script."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)


def test_a_client_over_its_rate_gets_429_too_many_attempts_with_retry_after(api_as, settings):
    settings.API_RATE_PER_USER = "5/minute"
    client = api_as("scheduler")
    with time_machine.travel(START, tick=False) as clock:
        answers = [client.get("/api/drugs/").status_code for _ in range(5)]
        clock.shift(dt.timedelta(seconds=20))
        over = client.get("/api/drugs/")
        clock.shift(dt.timedelta(seconds=41))
        after_a_minute = client.get("/api/drugs/")

    assert answers == [200] * 5
    assert over.status_code == 429
    body = over.json()
    assert body["code"] == "too_many_attempts"
    assert body["retry_after"] == 40
    assert "40 seconds" in body["detail"]
    assert over["Retry-After"] == "40"
    assert after_a_minute.status_code == 200


def test_one_user_over_the_rate_leaves_the_others_alone(api_as, settings):
    settings.API_RATE_PER_USER = "3/minute"
    busy, other = api_as("scheduler"), api_as("scheduler")
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            busy.get("/api/drugs/")

        assert busy.get("/api/drugs/").status_code == 429
        assert other.get("/api/drugs/").status_code == 200


def test_requests_without_a_user_are_limited_per_address(make_staff, settings):
    settings.API_RATE_ANONYMOUS = "3/minute"
    make_staff("nurse", username="nina")
    body = {"username": "nina", "password": "pw-for-tests-1"}
    with time_machine.travel(START, tick=False):
        here = APIClient(REMOTE_ADDR="10.0.0.5")
        answers = [here.post("/api/auth/token/", body, format="json") for _ in range(4)]
        elsewhere = APIClient(REMOTE_ADDR="10.0.0.6").post("/api/auth/token/", body, format="json")

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["code"] == "too_many_attempts"
    assert elsewhere.status_code == 200


def test_the_default_rate_lets_a_script_book_300_cases_a_minute_with_their_lookups(api_as):
    # Each booking of a script is a slot search, an eligibility check and the booking: 900
    # requests in one minute, all answered; the default rate (3000/minute) is far above.
    client = api_as("scheduler")
    with time_machine.travel(START, tick=False):
        statuses = {client.get("/api/auth/me/").status_code for _ in range(900)}

    assert statuses == {200}


def test_an_empty_rate_means_no_limit(api_as, settings):
    settings.API_RATE_PER_USER = ""
    client = api_as("scheduler")
    with time_machine.travel(START, tick=False):
        statuses = {client.get("/api/auth/me/").status_code for _ in range(50)}

    assert statuses == {200}


def test_with_a_shared_redis_cache_two_processes_count_one_clients_requests_once(
    api_as, settings, redis_url
):
    # Two web processes are two caches in memory, but one cache in Redis: a request through
    # one connection and a request through another count against the same limit.
    import redis
    from django.core.cache import caches

    settings.API_RATE_PER_USER = "2/minute"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "test-rates",
        }
    }
    client = api_as("scheduler")
    try:
        with time_machine.travel(START, tick=False):
            assert client.get("/api/drugs/").status_code == 200
            caches.close_all()  # as if the next request reached another process
            assert client.get("/api/drugs/").status_code == 200
            caches.close_all()
            assert client.get("/api/drugs/").status_code == 429
        stored = redis.Redis.from_url(redis_url).keys("test-rates:*throttle_user*")
        assert stored
    finally:
        # Only this test's keys: the database is shared with the Celery tests' broker.
        server = redis.Redis.from_url(redis_url)
        for key in server.keys("test-rates:*"):
            server.delete(key)
