"""Real Celery workers for the reminder fault tests: processes on a real Redis broker.

A worker is started as `celery -A config worker` in its own process group, reading the same
test database as the test (its URL is built from the live connection settings), so what it
writes the test sees. Stopping it can be polite (SIGTERM) or brutal (SIGKILL to the group).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from django.db import connection
from django.utils import timezone

from clinic.models import Patient
from procedures.models import ProcedureType
from scheduling.models import Appointment, Reminder
from tests.factories import PatientFactory, ProviderFactory, RoomFactory

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).with_name("celery"))


def test_database_url() -> str:
    """The URL of the database the test is using (the test database, not the dev one)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    user = conf.get("USER") or "postgres"
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{conf['NAME']}"


class Worker:
    def __init__(
        self,
        name: str,
        env: dict[str, str],
        log: Path,
        *,
        concurrency: int = 2,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.log = log
        self._file = log.open("wb")
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
                f"--hostname={name}@%h",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches the pool children
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"worker {self.name} not ready:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown, no acknowledgements, mid-task."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._file.close()


@contextmanager
def app_on_broker(broker_url: str) -> Iterator[None]:
    """This process's Celery app publishes to `broker_url` (a clean Redis database) meanwhile.

    Pooled connections are dropped on the way in and out, so the next publish uses the URL
    in force: kombu keeps the pools process-wide, and the app keeps references to them."""
    import redis
    from kombu import pools as kombu_pools

    from config.celery import app

    def forget_connections() -> None:
        kombu_pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options")}
    app.conf.update(broker_url=broker_url, broker_transport_options={})
    forget_connections()
    try:
        yield
    finally:
        app.conf.update(**saved)
        forget_connections()
        client.flushdb()
        client.close()


def worker_env(*, broker_url: str, mail_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_BACKEND": "scheduling.reminders.mail.KeyedFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "VAR_DIR": str(var_dir),
        "DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


def make_due_reminders(count: int, *, sms_every: int = 2) -> list[Reminder]:
    """`count` appointment reminders already due, half by email and half by SMS."""
    procedure = ProcedureType.objects.get(code="TPI")
    provider, room = ProviderFactory(), RoomFactory(fluoroscopy=False)
    start = timezone.now() + dt.timedelta(days=3)
    reminders = []
    for index in range(count):
        channel = Patient.Channel.SMS if index % sms_every == 0 else Patient.Channel.EMAIL
        patient = PatientFactory(preferred_channel=channel)
        case_start = start + dt.timedelta(minutes=30 * index)
        appointment = Appointment.objects.create(
            patient=patient,
            procedure_type=procedure,
            region="lumbar",
            side="left",
            provider=provider,
            room=room,
            start=case_start,
            end=case_start + dt.timedelta(minutes=15),
            room_busy_until=case_start + dt.timedelta(minutes=30),
        )
        past = timezone.now() - dt.timedelta(minutes=1)
        reminders.append(
            Reminder.objects.create(
                kind="appointment",
                appointment=appointment,
                patient=patient,
                channel=channel,
                due_at=past,
                next_attempt_at=past,
            )
        )
    return reminders


def wait_until(condition: Callable[[], bool], timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
