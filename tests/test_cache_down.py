"""A Redis cache that refuses or never answers fails no request and stalls none.

With CACHE_URL set, the API's rate counts and the dashboard's kept slot searches live in
Redis. DESIGN.md promises that Redis down delays reminders, not bookings: so a request whose
rate limit cannot be checked goes through (one warning says so), and the dashboard counts its
slots afresh. The cache is a loopback port with nothing behind it (refused at once) or a
listener that accepts connections and never says a word, in which case the request waits for
the client's timeouts (the OPTIONS below, which production's CACHES carries) and no longer.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, local, post_booking
from tests.servers import free_port
from tests.servers import silent_port as listening_silently

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 11, 18, 10))]

THURSDAY_9 = local(2026, 11, 19, 9)
# What production's Redis cache waits, to connect and for each reply, before giving up: the
# options config/settings.py gives it when CACHE_URL is set.
TIMEOUTS = {
    "socket_connect_timeout": settings.CACHE_TIMEOUT_SECONDS,
    "socket_timeout": settings.CACHE_TIMEOUT_SECONDS,
}
# A request that waited for one cache timeout, with room for a slow shared machine; without
# the timeouts above, redis-py waits 5 s for each reply.
ANSWERED_WITHIN_SECONDS = 2.0

RATE_UNCHECKED = "Could not check the API rate limit"
COUNTED_AFRESH = "Could not use the dashboard's kept slot searches"


def redis_cache(url: str, **more: object) -> dict[str, dict[str, object]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": TIMEOUTS,
            **more,
        }
    }


@pytest.fixture
def silent_port() -> Iterator[int]:
    with listening_silently() as port:
        yield port


@pytest.fixture
def refusing_cache() -> Iterator[None]:
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        # override_settings resets django.core.cache.caches (its setting_changed receiver):
        # the default cache really is the refusing Redis now, not the test run's memory.
        with pytest.raises(redis.ConnectionError):
            cache.get("anything")
        yield


@pytest.fixture
def silent_cache(silent_port: int) -> Iterator[None]:
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{silent_port}/0")):
        yield


def warnings_saying(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.WARNING and text in r.getMessage()]


def timed(call, *args, **kwargs):  # type: ignore[no-untyped-def]
    began = time.perf_counter()
    answer = call(*args, **kwargs)
    return answer, time.perf_counter() - began


def test_with_the_cache_refusing_a_scheduler_reads_and_books_through_the_api(
    clinic: SmallClinic, scheduler_api: APIClient, refusing_cache: None, caplog
) -> None:
    patient = PatientFactory(first_name="Wilhelmina")
    with caplog.at_level(logging.WARNING):
        me = scheduler_api.get("/api/auth/me/")
        booked = post_booking(scheduler_api, clinic, patient, THURSDAY_9)

    assert me.status_code == 200
    assert booked.status_code == 201, booked.content
    said = warnings_saying(caplog, RATE_UNCHECKED)
    assert len(said) == 2  # one line per request
    assert "ConnectionError" in said[0].getMessage()
    assert not any("Wilhelmina" in r.getMessage() for r in caplog.records)


def test_with_the_cache_refusing_a_sign_in_logs_one_line_for_its_two_limits(
    make_staff, refusing_cache: None, caplog
) -> None:
    # A request without a user meets both limits (per user, which falls back to the address,
    # and per address): the first to find the cache down speaks for the request.
    make_staff("nurse", username="nina")
    with caplog.at_level(logging.WARNING):
        answer = APIClient().post(
            "/api/auth/token/", {"username": "nina", "password": "pw-for-tests-1"}, format="json"
        )

    assert answer.status_code == 200
    assert len(warnings_saying(caplog, RATE_UNCHECKED)) == 1


def test_with_the_cache_refusing_the_dashboard_counts_its_slots_afresh(
    clinic: SmallClinic, pages_as, refusing_cache: None, caplog
) -> None:
    with caplog.at_level(logging.WARNING):
        page = pages_as("manager").get("/dashboard/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Days to the third next available slot" in html
    assert "Free slots as counted at 10:00 today" in html
    # The cache was read once and, being down, not written to: one line.
    assert len(warnings_saying(caplog, COUNTED_AFRESH)) == 1


def test_with_a_working_cache_the_dashboard_keeps_its_count_and_says_nothing(
    clinic: SmallClinic, pages_as, settings, clock, caplog
) -> None:
    settings.DASHBOARD_ACCESS_CACHE_SECONDS = 300
    manager = pages_as("manager")
    with caplog.at_level(logging.WARNING):
        manager.get("/dashboard/")
        clock.shift(dt.timedelta(minutes=2))
        again = manager.get("/dashboard/").content.decode()

    assert "Free slots as counted at 10:00 today" in again
    assert warnings_saying(caplog, COUNTED_AFRESH) == []


def test_a_cache_that_never_answers_delays_a_request_by_its_timeout_at_most(
    clinic: SmallClinic, scheduler_api: APIClient, pages_as, silent_cache: None, caplog
) -> None:
    patient = PatientFactory()
    with caplog.at_level(logging.WARNING):
        me, me_took = timed(scheduler_api.get, "/api/auth/me/")
        booked, booking_took = timed(post_booking, scheduler_api, clinic, patient, THURSDAY_9)
        page, page_took = timed(pages_as("manager").get, "/dashboard/")

    assert (me.status_code, booked.status_code, page.status_code) == (200, 201, 200)
    assert me_took < ANSWERED_WITHIN_SECONDS
    assert booking_took < ANSWERED_WITHIN_SECONDS
    assert page_took < ANSWERED_WITHIN_SECONDS + 1.0  # the slot searches themselves, too
    said = warnings_saying(caplog, RATE_UNCHECKED)
    assert len(said) == 2
    assert "Timeout" in said[0].getMessage()
    assert len(warnings_saying(caplog, COUNTED_AFRESH)) == 1


def test_with_a_working_redis_cache_the_limit_still_answers_429_without_a_warning(
    api_as, settings, redis_url: str, caplog
) -> None:
    settings.API_RATE_PER_USER = "2/minute"
    settings.CACHES = redis_cache(redis_url, KEY_PREFIX="test-cache-down")
    client = api_as("scheduler")
    try:
        with caplog.at_level(logging.WARNING):
            answers = [client.get("/api/auth/me/").status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        assert warnings_saying(caplog, RATE_UNCHECKED) == []
    finally:
        caches.close_all()
        # Only this test's keys: the database is shared with the Celery tests' broker.
        server = redis.Redis.from_url(redis_url)
        for key in server.keys("test-cache-down:*"):
            server.delete(key)


def test_the_limit_counts_again_once_the_cache_answers(api_as, settings, clock) -> None:
    # The failure is not remembered: the first request after the cache is back is counted.
    settings.API_RATE_PER_USER = "1/minute"
    client = api_as("scheduler")
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        assert client.get("/api/auth/me/").status_code == 200
    clock.shift(dt.timedelta(seconds=1))
    assert client.get("/api/auth/me/").status_code == 200
    assert client.get("/api/auth/me/").status_code == 429
