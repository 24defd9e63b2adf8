"""A broker that refuses, never answers, or stops never delays or fails a booking.

A real gunicorn (through gunicorn.conf.py, as in production) books a case whose appointment
reminder is due at once, so the booking's commit nudges the broker. The broker is a loopback
port with nothing behind it, a listener that accepts connections and never says a word, or a
real redis-server of the test's own that is killed mid-run. Each time the case is booked
(201) in well under 3 s and the reminder waits, pending, in its outbox row; from there a real
worker on a real Redis delivers it once when the broker is back.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from clinic.api.tokens import issue_token
from clinic.models import Patient
from scheduling.models import (
    Appointment,
    ClinicDay,
    ClinicHours,
    Reminder,
    ReminderStatus,
    SentSms,
    WorkingHours,
)
from scheduling.tasks import dispatch_due_reminders
from tests.conftest import require_service
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, booking_body, make_small_clinic
from tests.servers import (
    SETTINGS_ENV,
    Server,
    free_port,
    gunicorn_command,
    post,
    serve,
    silent_port,
)
from tests.worker_harness import Worker, app_on_broker, wait_until, worker_env
from tests.worker_harness import test_database_url as database_url_of_this_test

# serialized_rollback: the server sees only committed rows, so these tests commit; the flush
# after each empties the tables, catalog included, and this puts the migrations' rows back.
pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# What the issue asks of a booking with the broker down.
BOOKED_WITHIN_SECONDS = 3.0
GAVE_UP = "Could not ask the broker to dispatch reminders at once"


@dataclass
class Scene:
    clinic: SmallClinic
    token: str
    start: dt.datetime


def soon() -> dt.datetime:
    """A slot an hour or so from now, on the slot grid, well inside one clinic day."""
    start = (timezone.localtime() + dt.timedelta(minutes=75)).replace(second=0, microsecond=0)
    start += dt.timedelta(minutes=-start.minute % settings.SLOT_GRID_MINUTES)
    if start.time() > dt.time(21):  # leaves room for a second case an hour later
        start = (start + dt.timedelta(days=1)).replace(hour=1, minute=0)
    return start


@pytest.fixture
def scene(make_staff) -> Scene:
    """A clinic open around the clock, every day, holidays included, so that a case can be
    booked an hour from now whenever the suite runs: its appointment reminder (48 hours
    before) is then due at once, and the booking nudges the broker."""
    clinic = make_small_clinic()
    start = soon()
    ClinicHours.objects.all().delete()
    WorkingHours.objects.filter(provider=clinic.chen).delete()
    for weekday in range(7):
        ClinicHours.objects.create(weekday=weekday, start_time=dt.time(0), end_time=dt.time(23, 45))
        WorkingHours.objects.create(
            provider=clinic.chen, weekday=weekday, start_time=dt.time(0), end_time=dt.time(23, 45)
        )
    ClinicDay.objects.create(date=start.date(), closed=False, name="Open for the test")
    _, token = issue_token(make_staff("scheduler"))
    connection.close()  # the server writes; do not hold a SQLite read snapshot meanwhile
    return Scene(clinic, token, start)


def new_patient(first_name: str) -> Patient:
    # Names found nowhere else, so the log can be searched for them.
    return PatientFactory(
        first_name=first_name, last_name="Quillbrack", preferred_channel=Patient.Channel.SMS
    )


def server_env(tmp_path: Path, broker_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        {
            "DATABASE_URL": database_url_of_this_test(),
            "CELERY_BROKER_URL": broker_url,
            "DEBUG": "false",
            # The test's own key: a token is bound to the password through it.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOW_DEV_CHANNELS": "true",
            "VAR_DIR": str(tmp_path / "var"),
            "LOG_LEVEL": "WARNING",
            # No quiet hours: a reminder written at 23:00 is due at once too.
            "REMINDER_QUIET_START": "00:00",
            "REMINDER_QUIET_END": "00:00",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def web_server(tmp_path: Path, broker_url: str, name: str) -> AbstractContextManager[Server]:
    port = free_port()
    return serve(
        gunicorn_command(port), server_env(tmp_path, broker_url), port, tmp_path / f"{name}.log"
    )


def book(
    server: Server, scene: Scene, patient: Patient, *, hours_later: int = 0
) -> tuple[int, dict, float]:
    start = scene.start + dt.timedelta(hours=hours_later)
    body = booking_body(scene.clinic, patient.pk, start)
    return post(server.url("/api/appointments/"), scene.token, body)


def waiting_in_the_outbox(patient: Patient) -> Reminder:
    """The booking's appointment reminder, due now and pending: nothing took it."""
    [reminder] = Reminder.objects.filter(appointment__patient=patient)
    assert (reminder.kind, reminder.status) == ("appointment", ReminderStatus.PENDING)
    assert reminder.due_at <= timezone.now()
    assert reminder.claim_token is None
    return reminder


def assert_no_patient_in(log: str, patient: Patient) -> None:
    assert patient.first_name not in log
    assert patient.last_name not in log


@pytest.fixture
def silent_broker() -> Iterator[int]:
    with silent_port() as port:
        yield port


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own on a free loopback port, to be stopped at will.
    (The shared Redis on 6379 serves every other test and is never stopped.)"""
    binary = shutil.which("redis-server")
    require_service("redis-server", None if binary else "no redis-server on the PATH")
    assert binary is not None
    port = free_port()
    log = (tmp_path / "redis.log").open("wb")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--daemonize", "no", "--dir", str(tmp_path)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    try:
        assert wait_until(lambda: _answers(client), timeout=10), "redis-server did not start"
        yield port, process
    finally:
        client.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_a_refusing_broker_costs_a_booking_nothing_and_the_outbox_delivers_it_later(
    scene, tmp_path, redis_url
):
    patient = new_patient("Ottoline")
    refusing = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    with web_server(tmp_path, refusing, "refusing") as server:
        status, body, seconds = book(server, scene, patient)
    log = server.text()

    assert status == 201, body
    assert seconds < BOOKED_WITHIN_SECONDS
    reminder = waiting_in_the_outbox(patient)
    assert GAVE_UP in log
    assert_no_patient_in(log, patient)

    # The broker is back (a real Redis) with a real worker: beat's tick, run here by hand,
    # dispatches from the outbox, and the reminder goes out once.
    env = worker_env(broker_url=redis_url, mail_dir=tmp_path / "mail", var_dir=tmp_path / "w")
    with app_on_broker(redis_url):
        worker = Worker("outbox", env, tmp_path / "worker.log")
        try:
            worker.wait_ready()

            def sent() -> bool:
                dispatch_due_reminders()
                connection.close()
                reminder.refresh_from_db()
                return reminder.status == ReminderStatus.SENT

            assert wait_until(sent, timeout=60, every=1.0), worker.log.read_text()[-3000:]
            time.sleep(1)  # a second send, were there one, would land by now
            assert dispatch_due_reminders() == 0
        finally:
            worker.stop()

    key = reminder.idempotency_key
    assert SentSms.objects.filter(idempotency_key=key).count() == 1


def test_a_broker_that_never_answers_costs_a_booking_under_a_second(scene, tmp_path, silent_broker):
    first, second = new_patient("Philippa"), new_patient("Barnaby")

    with web_server(tmp_path, f"redis://127.0.0.1:{silent_broker}/0", "silent") as server:
        status, body, seconds = book(server, scene, first)
        # The next booking a moment later finds the nudge paused: no wait at all.
        again = book(server, scene, second, hours_later=1)
    log = server.text()

    assert status == 201, body
    assert seconds < BOOKED_WITHIN_SECONDS
    assert again[0] == 201, again[1]
    assert again[2] < BOOKED_WITHIN_SECONDS
    waiting_in_the_outbox(first)
    waiting_in_the_outbox(second)
    # Given up on a timeout (the listener never replied), once: the second booking's nudge
    # was not even tried.
    assert log.count(GAVE_UP) == 1
    assert "Timeout" in log
    assert_no_patient_in(log, first)
    assert_no_patient_in(log, second)


def test_a_redis_that_stops_between_two_bookings_costs_the_second_nothing(
    scene, tmp_path, own_redis
):
    port, redis_process = own_redis
    before, after = new_patient("Clementine"), new_patient("Horatio")
    queue = redis.Redis(port=port)

    with web_server(tmp_path, f"redis://127.0.0.1:{port}/0", "stopped") as server:
        status, body, _ = book(server, scene, before)
        # With Redis up, the nudge is one message waiting for a worker.
        assert status == 201, body
        assert queue.llen("celery") == 1
        queue.close()

        os.killpg(redis_process.pid, signal.SIGKILL)
        redis_process.wait(timeout=10)
        status, body, seconds = book(server, scene, after, hours_later=1)
    log = server.text()

    assert status == 201, body
    assert seconds < BOOKED_WITHIN_SECONDS
    waiting_in_the_outbox(after)
    assert Appointment.objects.filter(patient__in=[before, after]).count() == 2
    assert GAVE_UP in log
    assert_no_patient_in(log, after)
