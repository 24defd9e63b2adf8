"""Fixtures shared by the whole suite: the clock, the small clinic, staff per role, API
clients, and the real services."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from clinic.api.tokens import issue_token
from clinic.roles import assign_role
from tests.scheduling_helpers import SmallClinic, make_small_clinic

IN_CI = os.environ.get("CI", "").lower() == "true"

# Browser test modules load tests.browser as a plugin; its asserts, and those of the page
# helpers, should read as pytest's.
pytest.register_assert_rewrite("tests.browser", "tests.pages_helpers")

# Property tests: a quick profile for every run, a thorough one on demand
# (HYPOTHESIS_PROFILE=thorough make test-fast ARGS=tests/test_rules_properties.py).
hypothesis_settings.register_profile("quick", max_examples=50, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=2000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "clock_at(moment, tick=False): the test runs with the clock stopped at this moment "
        "(or running from it with tick=True); the `clock` fixture moves it",
    )


def require_service(name: str, error: str | None) -> None:
    """A missing real service fails the test in CI and skips it (with the reason) elsewhere."""
    if error is None:
        return
    message = f"{name} is not available: {error}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def in_memory_broker() -> None:
    """Bookings ask the broker to dispatch due reminders once they commit. In-process tests
    publish to memory; the worker tests point the app at the real Redis themselves."""
    from config.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}


@pytest.fixture(autouse=True)
def dashboard_access_not_kept(settings: object) -> None:
    # The dashboard keeps its slot searches for minutes; tests change the calendar between
    # two reads and share one process's cache, so they count afresh (a test turns it on).
    settings.DASHBOARD_ACCESS_CACHE_SECONDS = 0  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def reference_data_built_afresh() -> None:
    # What a process keeps (procedures.versioned) is rebuilt on a token change, but a test's
    # query count should not depend on whether an earlier test left it warm.
    from procedures import versioned

    versioned.forget_kept()


@pytest.fixture(autouse=True)
def rate_counts_start_afresh() -> None:
    # The API's rate limits count in the cache, which one test process shares across tests;
    # user ids repeat on SQLite, so one test's requests would count against the next's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    # The production hasher costs ~0.3 s a password by design; tests make hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def clock(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller | None]:
    """The clock of a test marked `clock_at(moment)` (on the test or its module).

    Stopped at that moment unless the mark says `tick=True`; time_machine moves the clock of
    every thread, the live server's too. A test that moves the clock takes this fixture and
    calls `clock.move_to(...)`. A test without the mark runs on real time (and gets None).
    """
    marker = request.node.get_closest_marker("clock_at")
    if marker is None:
        yield None
        return
    with time_machine.travel(*marker.args, **{"tick": False, **marker.kwargs}) as traveller:
        yield traveller


@pytest.fixture
def clinic(db: None) -> SmallClinic:
    """Dr. Chen and Dr. Ortiz (weekdays 08:00-17:00), Suites 1 and 2 and an exam room."""
    return make_small_clinic()


@pytest.fixture
def make_staff(db: None) -> Callable[..., object]:
    User = get_user_model()

    def make(role: str | None, username: str | None = None) -> object:
        name = username or f"{role or 'norole'}-{User.objects.count() + 1}"
        user = User.objects.create_user(username=name, password="pw-for-tests-1")
        if role:
            assign_role(user, role)
        return user

    return make


@pytest.fixture
def pages_as(make_staff: Callable[..., object]) -> Callable[[str | None], Client]:
    """`pages_as("scheduler")`: a browser-less client signed in (session) as a fresh user."""

    def client_for(role: str | None) -> Client:
        user = make_staff(role)
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        client.user = user  # type: ignore[attr-defined]
        return client

    return client_for


@pytest.fixture
def api_as(make_staff: Callable[..., object]) -> Callable[[str | None], APIClient]:
    """`api_as("nurse")`: a client authenticated by token as a fresh user with that role."""

    def client_for(role: str | None) -> APIClient:
        user = make_staff(role)
        client = APIClient()
        # Tests move the clock by days between requests: a token that never expires (the
        # expiry itself is tested in test_api_tokens.py).
        _, token = issue_token(user, expires=False)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        client.user = user  # type: ignore[attr-defined]
        return client

    return client_for


@pytest.fixture
def scheduler_api(api_as: Callable[[str | None], APIClient]) -> APIClient:
    return api_as("scheduler")


@pytest.fixture
def nurse_api(api_as: Callable[[str | None], APIClient]) -> APIClient:
    return api_as("nurse")


@pytest.fixture
def manager_api(api_as: Callable[[str | None], APIClient]) -> APIClient:
    return api_as("manager")


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        error = None
    except Exception as exc:  # any failure means no usable Redis
        error = str(exc)
    require_service("Redis", error)
    return url
