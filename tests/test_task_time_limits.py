"""A task that hangs is stopped by Celery's time limits, in a real worker on a real Redis.

The worker runs with a soft limit of 1 s and a hard one of 2 s (CELERY_TASK_SOFT_TIME_LIMIT,
CELERY_TASK_TIME_LIMIT, read by config/settings.py as in production) and one pool process,
so "the worker goes on" means the same pool slot takes the next task. The hanging tasks live
in tests/slow_tasks.py, imported by this worker alone (`-I`). Last, a reminder whose send
hangs in the channel: cut off by the soft limit, then sent later, exactly once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from scheduling.models import Reminder, ReminderStatus, SentSms
from scheduling.tasks import dispatch_due_reminders
from tests.worker_harness import Worker, app_on_broker, make_due_reminders, wait_until, worker_env

pytestmark = pytest.mark.celery

SOFT, HARD = 1, 2
LIMITS = {"CELERY_TASK_SOFT_TIME_LIMIT": str(SOFT), "CELERY_TASK_TIME_LIMIT": str(HARD)}


def events(record: Path) -> list[tuple[str, int]]:
    """What a task noted, in order, with the pool process it ran in."""
    if not record.exists():
        return []
    return [
        (event, int(pid))
        for event, pid in (line.split() for line in record.read_text().splitlines())
    ]


def names(record: Path) -> list[str]:
    return [event for event, _ in events(record)]


@pytest.fixture
def hang_worker(redis_url: str, tmp_path: Path) -> Iterator[Worker]:
    """One worker with short limits and the hanging tasks, on a clean Redis database."""
    env = worker_env(
        broker_url=redis_url,
        mail_dir=tmp_path / "mail",
        var_dir=tmp_path / "var",
        # These tasks never touch the database; keep the worker off the test's own.
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **LIMITS,
    )
    with app_on_broker(redis_url):
        worker = Worker(
            "limits",
            env,
            tmp_path / "worker.log",
            concurrency=1,
            extra_args=["--include=tests.slow_tasks"],
        )
        try:
            worker.wait_ready()
            yield worker
        finally:
            worker.stop()


def send(name: str, *args: object) -> None:
    # By name: the test process need not import the worker's test tasks.
    celery_app.send_task(f"tests.slow_tasks.{name}", args=list(args))


def until(condition: Callable[[], bool], worker: Worker, timeout: float = 20) -> None:
    assert wait_until(condition, timeout=timeout, every=0.1), worker.log.read_text()[-3000:]


def test_the_soft_limit_raises_inside_a_hanging_task_which_cleans_up(hang_worker, tmp_path):
    record, after = tmp_path / "hang.txt", tmp_path / "after.txt"

    began = time.monotonic()
    send("hang", str(record), True)
    until(lambda: "cleaned-up" in names(record), hang_worker)
    took = time.monotonic() - began
    send("quick", str(after))
    until(lambda: names(after) == ["quick"], hang_worker)

    assert names(record) == ["started", "soft-limit", "cleaned-up"]
    assert SOFT <= took < HARD + 1
    log = hang_worker.log.read_text()
    assert f"Soft time limit ({SOFT}s) exceeded for tests.slow_tasks.hang" in log
    assert "Hard time limit" not in log
    # The task ended on its own: the same pool process runs the next one.
    assert events(after)[0][1] == events(record)[0][1]


def test_the_hard_limit_kills_a_task_deaf_to_the_soft_one_and_the_worker_goes_on(
    hang_worker, tmp_path
):
    record, after = tmp_path / "hang.txt", tmp_path / "after.txt"

    send("hang", str(record), False)
    until(lambda: "soft-limit" in names(record), hang_worker)
    until(lambda: "Hard time limit" in hang_worker.log.read_text(), hang_worker)
    send("quick", str(after))
    until(lambda: names(after) == ["quick"], hang_worker)
    time.sleep(1)  # a redelivered hang, were there one, would have started by now

    # Killed during its second sleep: it never woke, and it ran once (the timed-out task is
    # acknowledged as failed, not handed back to the queue to hang again).
    assert names(record) == ["started", "soft-limit"]
    log = hang_worker.log.read_text()
    assert f"Hard time limit ({HARD}s) exceeded for tests.slow_tasks.hang" in log
    assert "exited with 'signal 9 (SIGKILL)'" in log
    # The pool replaced the killed process, and the worker itself is still up.
    assert events(after)[0][1] != events(record)[0][1]
    assert hang_worker.process.poll() is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reminder_send_cut_off_by_the_soft_limit_is_sent_later_exactly_once(
    redis_url, tmp_path, settings
):
    """The channel hangs (an SMS gateway that never answers): the soft limit interrupts the
    send before anything went out. The row stays pending under its lease, nothing is lost,
    and once the lease runs out the next dispatch sends it, once."""
    lease = 3  # above the hard limit, as REMINDER_CLAIM_SECONDS must be
    settings.REMINDER_CLAIM_SECONDS = lease
    [reminder] = make_due_reminders(1, sms_every=1)
    base = {
        "broker_url": redis_url,
        "mail_dir": tmp_path / "mail",
        "var_dir": tmp_path / "var",
        "REMINDER_CLAIM_SECONDS": str(lease),
        **LIMITS,
    }
    connection.close()  # the workers write; do not hold a SQLite read snapshot meanwhile

    with app_on_broker(redis_url):
        stuck = Worker(
            "stuck", worker_env(**base, SMS_DEV_DELAY_SECONDS="30"), tmp_path / "stuck.log"
        )
        try:
            stuck.wait_ready()
            # The dispatcher runs in the worker, as beat has it, so the send task it hands
            # on carries the worker's limits. (A task message carries its sender's limits:
            # sent from this process, it would get the defaults, 60 s and 90 s.)
            dispatch_due_reminders.delay()
            until(lambda: "SoftTimeLimitExceeded" in stuck.log.read_text(), stuck)
        finally:
            stuck.stop()
        reminder.refresh_from_db()
        connection.close()
        assert reminder.status == ReminderStatus.PENDING
        assert reminder.attempts == 1
        assert not SentSms.objects.exists()

        healthy = Worker("healthy", worker_env(**base), tmp_path / "healthy.log")
        try:
            healthy.wait_ready()

            def sent() -> bool:
                dispatch_due_reminders()  # beat's tick, by hand
                connection.close()
                reminder.refresh_from_db()
                return reminder.status == ReminderStatus.SENT

            until(sent, healthy, timeout=60)
        finally:
            healthy.stop()

    assert list(SentSms.objects.values_list("idempotency_key", flat=True)) == [
        reminder.idempotency_key
    ]
    assert Reminder.objects.get(pk=reminder.pk).attempts == 2
