"""Reminder throughput against Celery's own limit, on Redis, through real workers.

Two runs one after the other, on the same worker shape (`celery worker --pool=prefork
--concurrency=2`, late acknowledgement, a prefetch of one, Redis):

- Celery's own limit: 10,000 no-op tasks (bench/celery_noop.py, the project's CELERY_*
  settings without Django) published one by one, each counted done in Redis;
- reminders: 10,000 due reminders dispatched (`dispatch_due_reminders`, as beat runs it)
  and sent by email through the keyed file backend by `celery -A config worker`.

Each clock runs from the first publish (the dispatch) until the last task is done (the last
row marked `sent`, by its `sent_at`). Duplicates are read from the channel's output: files
per idempotency key, against the keys of the run's rows. Uses the scheduling benchmark's
PostgreSQL database (run scheduling_bench.py first, or let `make bench` run both), whose own
reminders stay: the run adds its rows, counts only them, and deletes them at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench"
BENCH_DB = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/painclinic_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))
PROCESSES = int(os.environ.get("BENCH_WORKER_PROCESSES", "2"))
AIM_RATIO = 0.66
POLL_SECONDS = 0.1


# As production runs: DEBUG off (with it on, Django keeps the last 9,000 queries of each
# connection, a cost per query and memory that only grows), the development email channel
# allowed on purpose, as on a demonstration server.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "WARNING",
    "PYTHONWARNINGS": "ignore::UserWarning",
    "ALLOW_DEV_CHANNELS": "true",
}


def setup_django(mail_dir: Path) -> None:
    os.environ.update(
        PRODUCTION_ENV,
        DATABASE_URL=BENCH_DB,
        CELERY_BROKER_URL=REDIS_URL,
        EMAIL_BACKEND="scheduling.reminders.mail.KeyedFileBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def start_worker(app: str, cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    """One worker of the measured shape; INFO logging would write a line per task."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            app,
            "worker",
            "--pool=prefork",
            f"--concurrency={PROCESSES}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            f"--hostname=bench-{app}@%h",
        ],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(app, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until the worker answers a ping: it consumes from then on, so no start-up is timed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited:\n{log.read_text()[-3000:]}")
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit(f"the worker did not answer in 60 s:\n{log.read_text()[-3000:]}")


def stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def bench_noop(count: int, work_dir: Path) -> float:
    """No-op tasks per second, from the first publish to the last one done."""
    import redis

    sys.path.insert(0, str(HERE))
    from celery_noop import COUNTER_KEY, FINISHED_KEY, noop

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    log = work_dir / "noop-worker.log"
    worker = start_worker("celery_noop", HERE, log)
    try:
        wait_ready(noop.app, worker, log)
        started = time.time()
        for _ in range(count):
            noop.delay(count)
        deadline = time.monotonic() + 600
        while (finished := client.get(FINISHED_KEY)) is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {client.get(COUNTER_KEY)} of {count} no-ops done")
            time.sleep(POLL_SECONDS)
    finally:
        stop_worker(worker)
        client.flushdb()
        client.close()
    return count / (float(finished) - started)


@dataclass
class ReminderRun:
    per_second: float
    delivered: int
    duplicates: int
    missing: int
    unknown: int


def add_due_reminders(count: int) -> int:
    """`count` reminders due a minute ago, for patients who take email; the first new pk."""
    from django.utils import timezone

    from scheduling.models import Appointment, Reminder, ReminderStatus

    # Any of the clinic's own reminders that fell due since the database was built go out as
    # a live worker would have sent them, so the run measures its own rows only.
    now = timezone.now()
    Reminder.objects.filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now).update(
        status=ReminderStatus.SENT, sent_at=now, attempts=1
    )
    first = (Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    # Cases of patients who take email: the channel writes a file per idempotency key, in
    # which duplicates are counted (an SMS patient's reminder would go to the SMS store).
    appointments = list(
        Appointment.objects.filter(status="scheduled", patient__preferred_channel="email")
        .exclude(patient__email="")
        .order_by("start")[:count]
    )
    if len(appointments) < count:
        raise SystemExit("run scheduling_bench.py first: it builds the appointments")
    past = now - dt.timedelta(minutes=1)
    Reminder.objects.bulk_create(
        Reminder(
            kind="appointment",
            appointment=a,
            patient_id=a.patient_id,
            channel="email",
            due_at=past,
            next_attempt_at=past,
        )
        for a in appointments
    )
    return first


def bench_reminders(
    count: int,
    mail_dir: Path,
    work_dir: Path,
    watch: Callable[[int, subprocess.Popen[bytes]], None] | None = None,
) -> ReminderRun:
    """Reminders per second through a worker; `watch(sent, worker)` is called at each poll."""
    import redis
    from django.db import connection
    from django.db.models import Max

    from config.celery import app
    from scheduling.models import Reminder, ReminderStatus
    from scheduling.tasks import dispatch_due_reminders

    redis.Redis.from_url(REDIS_URL).flushdb()
    first = add_due_reminders(count)
    ours = Reminder.objects.filter(pk__gte=first)
    connection.close()
    log = work_dir / "reminders-worker.log"
    worker = start_worker("config", ROOT, log)
    try:
        wait_ready(app, worker, log)
        started = time.time()
        dispatch_due_reminders()
        deadline = time.monotonic() + 600
        while (sent := ours.filter(status=ReminderStatus.SENT).count()) < count:
            if watch is not None:
                watch(sent, worker)
            if time.monotonic() > deadline:
                raise SystemExit(f"only {sent} of {count} sent in 10 minutes")
            time.sleep(POLL_SECONDS)
        if watch is not None:
            watch(sent, worker)
        last = ours.aggregate(last=Max("sent_at"))["last"]
        keys = {str(key) for key in ours.values_list("idempotency_key", flat=True)}
    finally:
        stop_worker(worker)
        ours.delete()
        connection.close()
    per_key = Counter(path.name.split(".", 1)[0] for path in mail_dir.glob("*.eml"))
    return ReminderRun(
        per_second=count / (last.timestamp() - started),
        delivered=len(per_key.keys() & keys),
        duplicates=sum(n - 1 for n in per_key.values()),
        missing=len(keys - per_key.keys()),
        unknown=len(per_key.keys() - keys),
    )


def main() -> None:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    mail_dir = work_dir / "mail"
    setup_django(mail_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        noop = bench_noop(COUNT, work_dir)
        run = bench_reminders(COUNT, mail_dir, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    print(
        f"Celery's own limit, {COUNT:,} no-op tasks through {PROCESSES} worker processes "
        f"(late ack, Redis): {noop:.0f}/s"
    )
    print(
        f"reminders: {COUNT:,} sent through the same worker shape: {run.per_second:.0f}/s; "
        f"ratio to the no-op {run.per_second / noop:.2f} (aim >= {AIM_RATIO}); "
        f"delivered {run.delivered:,}, duplicates {run.duplicates}, missing {run.missing}"
    )


if __name__ == "__main__":
    main()
