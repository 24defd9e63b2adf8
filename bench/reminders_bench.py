"""Reminder throughput: 10,000 due reminders through one real worker on Redis.

The worker (`celery -A config worker`, prefork, one child per core) sends by email through
the keyed file backend. The clock runs from the first dispatch until every row is `sent`;
the duplicate count is read from the channel's output (files per idempotency key).
Uses the scheduling benchmark's PostgreSQL database (run scheduling_bench.py first, or let
`make bench` run both), whose own 1.4 million reminders stay: the run adds its rows, counts
only them, and deletes them at the end.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/painclinic_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
COUNT = int(os.environ.get("BENCH_REMINDERS", "10000"))


def main() -> None:
    mail_dir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    os.environ.update(
        DATABASE_URL=BENCH_DB,
        CELERY_BROKER_URL=REDIS_URL,
        EMAIL_BACKEND="scheduling.reminders.mail.KeyedFileBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from scheduling.models import Appointment, Reminder, ReminderStatus
    from scheduling.tasks import dispatch_due_reminders

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(REDIS_URL).flushdb()
    # The clinic's own reminders stay; this run's rows are those after `first`. Any of the
    # clinic's that fell due since the database was built go out as a live worker would have
    # sent them, so the run measures its own rows only.
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
        .order_by("start")[:COUNT]
    )
    if len(appointments) < COUNT:
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
    ours = Reminder.objects.filter(pk__gte=first)
    connection.close()

    log = open(mail_dir.with_suffix(".worker.log"), "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={os.cpu_count() or 2}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(3)
        started = time.perf_counter()
        while True:
            dispatch_due_reminders()
            sent = ours.filter(status=ReminderStatus.SENT).count()
            connection.close()
            if sent >= COUNT:
                break
            if time.perf_counter() - started > 600:
                raise SystemExit(f"only {sent} of {COUNT} sent in 10 minutes")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()

    per_key = Counter(p.name.split(".", 1)[0] for p in mail_dir.glob("*.eml"))
    duplicates = sum(n - 1 for n in per_key.values()) + sum(1 for k in per_key if k not in per_key)
    print(
        f"reminders: {COUNT:,} sent through one worker in {elapsed:.1f} s: "
        f"{COUNT / elapsed:.0f}/s (aim >= 500/s); delivered {len(per_key):,}, "
        f"duplicates {duplicates}"
    )
    ours.delete()


if __name__ == "__main__":
    main()
