"""Operations: the health probe, structured logs, and the production settings."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from config.celery import app as celery_app
from config.logging import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"

# --- helpers ------------------------------------------------------------------------------------


def run_django(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run Python in a fresh process, so settings are read from this environment alone."""
    settings_env = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "CELERY_BROKER_URL",
        "LOG_LEVEL",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        # Set while the browser tests' Playwright is open; the deploy check rightly refuses it.
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    base = {k: v for k, v in os.environ.items() if k not in settings_env}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "clinic.example",
        # The development email and SMS stores, which production refuses unless told.
        "ALLOW_DEV_CHANNELS": "true",
    }
    env.update(overrides)
    return env


@pytest.fixture
def use_broker() -> Iterator[Callable[[str], None]]:
    """Point the Celery app (and so the health probe) at another broker for one test."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "broker_transport_options")}

    def use(url: str) -> None:
        # The default transport options carry the filesystem broker's folders.
        conf.update(broker_url=url, broker_transport_options={})

    yield use
    conf.update(saved)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port where the kernel accepts connections but nothing ever answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


# --- /healthz -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_and_a_real_redis_broker_answer(
    client, redis_url, use_broker
):
    use_broker(redis_url)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_broker_that_refuses_leaves_the_web_node_alive_and_is_named_quickly(client, use_broker):
    # A load balancer reads the status: Redis down must not take every web node out.
    use_broker(CLOSED_PORT_BROKER)

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    # The failing part is named; the error itself (host and port) stays in the log.
    assert response.json() == {
        "status": "ok",
        "failing": ["broker"],
        "database": "ok",
        "broker": "failing",
    }
    assert elapsed < 3


@pytest.mark.django_db
def test_the_broker_probe_answers_503_when_the_broker_refuses_and_200_when_it_answers(
    client, use_broker, redis_url
):
    use_broker(CLOSED_PORT_BROKER)
    down = client.get("/healthz/broker")
    use_broker(redis_url)
    up = client.get("/healthz/broker")

    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "failing": ["broker"], "broker": "failing"}
    assert up.status_code == 200
    assert up.json() == {"status": "ok", "broker": "ok"}
    assert "no-cache" in down["Cache-Control"]


@pytest.mark.timeout(20)
@pytest.mark.django_db
def test_healthz_gives_up_within_three_seconds_on_a_broker_that_never_answers(
    client, use_broker, silent_port
):
    use_broker(f"redis://127.0.0.1:{silent_port}/0")

    started = time.monotonic()
    alive = client.get("/healthz")
    elapsed = time.monotonic() - started
    broker = client.get("/healthz/broker")

    assert alive.status_code == 200
    assert alive.json()["broker"] == "failing"
    assert elapsed < 3
    assert broker.status_code == 503


@pytest.mark.django_db
def test_a_failed_health_check_logs_the_error_behind_each_failing_part(client, use_broker, caplog):
    use_broker(CLOSED_PORT_BROKER)

    with caplog.at_level(logging.WARNING, logger="config.health"):
        client.get("/healthz")

    (record,) = [r for r in caplog.records if r.name == "config.health"]
    assert set(record.failures) == {"broker"}
    assert "127.0.0.1:1" in record.failures["broker"]


def test_healthz_answers_503_naming_the_database_when_it_cannot_be_reached():
    # A fresh process, so its only database is one where nothing listens.
    probe = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status_code': r.status_code, 'body': r.json()}))"
    )
    result = run_django(
        ["-c", probe],
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/painclinic"},
    )

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status_code"] == 503
    assert answer["body"]["failing"] == ["database"]
    assert answer["body"]["database"] == "failing"
    assert answer["body"]["broker"] == "ok"


# --- structured logs ----------------------------------------------------------------------------


def json_logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(name)
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_the_json_formatter_writes_one_object_a_line_keeping_the_extra_fields():
    logger, stream = json_logger("tests.ops.extra")

    logger.info("reminder %s sent", 17, extra={"appointment_id": 42, "channel": "sms"})

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "reminder 17 sent"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "tests.ops.extra"
    assert entry["appointment_id"] == 42
    assert entry["channel"] == "sms"
    assert entry["time"].endswith("+00:00")
    # The record's own attributes are not repeated as if they were extra fields.
    assert "args" not in entry and "msg" not in entry and "levelno" not in entry


def test_the_json_formatter_keeps_a_traceback_inside_its_one_line():
    logger, stream = json_logger("tests.ops.exception")

    try:
        raise ValueError("INR missing for warfarin hold")
    except ValueError:
        logger.exception("checklist evaluation failed")

    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "ERROR"
    assert entry["message"] == "checklist evaluation failed"
    assert entry["exception"].startswith("Traceback (most recent call last):")
    assert "ValueError: INR missing for warfarin hold" in entry["exception"]


def test_the_json_formatter_writes_values_json_cannot_hold_as_text():
    logger, stream = json_logger("tests.ops.default")

    logger.warning("odd value", extra={"path": Path("/tmp/reminders")})

    assert json.loads(stream.getvalue())["path"] == "/tmp/reminders"


LOG_PROBE = (
    "import django, logging; django.setup();"
    "handler = logging.getLogger().handlers[0];"
    "f = type(handler.formatter); print(f.__module__ + '.' + f.__qualname__);"
    "logging.getLogger('clinic.probe').warning('probe', extra={'room': 'Suite 1'})"
)


def test_settings_loaded_with_debug_off_write_json_log_lines():
    result = run_django(["-c", LOG_PROBE], production_env())

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.logging.JsonFormatter"
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["logger"] == "clinic.probe"
    assert entry["message"] == "probe"
    assert entry["room"] == "Suite 1"


def test_settings_loaded_with_debug_on_write_plain_log_lines():
    result = run_django(["-c", LOG_PROBE], {"DEBUG": "true"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "logging.Formatter"
    assert result.stderr.strip().splitlines()[-1].endswith("WARNING clinic.probe: probe")


# --- production settings ------------------------------------------------------------------------


def test_the_deploy_check_is_clean_with_debug_off_a_real_secret_key_and_a_host():
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_fails_on_a_weak_secret_key():
    # Shows that the clean run above is the settings' doing, not a check that cannot fail.
    result = run_django(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(SECRET_KEY="short-and-weak"),
    )

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, ""], ids=["unset", "empty"])
def test_settings_refuse_to_load_with_debug_off_and_no_secret_key(secret_key):
    env = production_env()
    del env["SECRET_KEY"]
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key

    result = run_django(["manage.py", "check"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr
