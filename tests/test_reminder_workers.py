"""The guarantee under faults: real Redis, real worker processes, delivery counted in the channels.

"Delivered" is what the channels hold (the email files, the SMS store), never our status
column: each reminder's idempotency key must appear there exactly once, with no duplicate.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from config.celery import app as celery_app
from scheduling.models import Reminder, ReminderStatus, SentSms
from scheduling.reminders import outbox
from scheduling.tasks import dispatch_due_reminders, send_reminders
from tests.worker_harness import Worker, make_due_reminders, wait_until, worker_env

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEASE_SECONDS = 3


@pytest.fixture
def broker(redis_url: str):
    """Point this process's Celery app at a clean Redis database; put it back afterwards."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options")}
    celery_app.conf.update(broker_url=redis_url, broker_transport_options={})
    forget_connections()
    try:
        yield client
    finally:
        celery_app.conf.update(**saved)
        forget_connections()
        client.flushdb()


def forget_connections() -> None:
    """Drop pooled broker connections so the next publish uses the current URL.

    The app's pools live in kombu's process-wide pool groups; reset those, then the app's
    references to them."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def lab(broker, redis_url, tmp_path: Path, settings):
    """Mail folder, worker environment and a way to start workers; all stopped at the end."""
    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "scheduling.reminders.mail.KeyedFileBackend"
    settings.EMAIL_FILE_PATH = str(mail_dir)
    settings.REMINDER_CLAIM_SECONDS = LEASE_SECONDS
    env = worker_env(
        broker_url=redis_url,
        mail_dir=mail_dir,
        var_dir=tmp_path / "var",
        REMINDER_CLAIM_SECONDS=str(LEASE_SECONDS),
        SMS_DEV_DELAY_SECONDS="0.05",  # slow enough that a kill lands in the middle of a batch
    )
    workers: list[Worker] = []

    class Lab:
        mail = mail_dir

        def start(self, name: str) -> Worker:
            worker = Worker(name, env, tmp_path / f"{name}.log")
            workers.append(worker)
            worker.wait_ready()
            return worker

    connection.close()  # the workers write; do not hold a SQLite read snapshot meanwhile
    try:
        yield Lab()
    finally:
        for worker in workers:
            worker.stop()


def deliveries(mail_dir: Path) -> Counter[str]:
    """Idempotency keys as the channels hold them: one count per delivered message."""
    counts: Counter[str] = Counter()
    if mail_dir.exists():
        for path in mail_dir.glob("*.eml"):
            counts[path.name.split(".", 1)[0]] += 1
    for key in SentSms.objects.values_list("idempotency_key", flat=True):
        counts[str(key)] += 1
    return counts


def all_delivered(mail_dir: Path, reminders: list[Reminder]) -> bool:
    keys = {str(r.idempotency_key) for r in reminders}
    return keys <= set(deliveries(mail_dir))


def assert_exactly_once(mail_dir: Path, reminders: list[Reminder]) -> None:
    counts = deliveries(mail_dir)
    keys = {str(r.idempotency_key) for r in reminders}
    assert set(counts) == keys, f"missing {keys - set(counts)}, unknown {set(counts) - keys}"
    duplicates = {key: n for key, n in counts.items() if n != 1}
    assert not duplicates, f"delivered more than once: {duplicates}"
    statuses = Counter(Reminder.objects.values_list("status", flat=True))
    assert statuses == {ReminderStatus.SENT: len(reminders)}, statuses


def dispatch_until_delivered(lab, reminders: list[Reminder], timeout: float = 90) -> None:
    """Beat's job, done by hand: a dispatcher tick every second until the channels have all."""

    def tick() -> bool:
        dispatch_due_reminders()
        connection.close()
        return (
            all_delivered(lab.mail, reminders)
            and not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()
        )

    assert wait_until(tick, timeout=timeout, every=1.0), deliveries(lab.mail)


def test_the_send_task_run_twice_sends_once(lab):
    [reminder] = make_due_reminders(1, sms_every=99)  # one email
    token, ids = outbox.claim_due(10)
    assert ids == [reminder.pk]
    lab.start("twice")

    send_reminders.delay([reminder.pk], str(token))
    send_reminders.delay([reminder.pk], str(token))

    assert wait_until(lambda: all_delivered(lab.mail, [reminder]), timeout=30)
    # Give the second task time to run (and to do nothing) before counting.
    assert wait_until(
        lambda: Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENT).exists(), 30
    )
    threading.Event().wait(2)
    assert_exactly_once(lab.mail, [reminder])


def test_a_worker_killed_mid_batch_then_restarted_delivers_every_reminder_exactly_once(lab):
    reminders = make_due_reminders(40)
    first = lab.start("doomed")
    dispatch_due_reminders()

    # Kill it once some, but not all, messages went out.
    assert wait_until(lambda: sum(deliveries(lab.mail).values()) >= 6, timeout=60)
    first.kill()
    delivered_before_kill = sum(deliveries(lab.mail).values())
    assert delivered_before_kill < len(reminders), "the kill came too late to prove anything"

    lab.start("survivor")
    dispatch_until_delivered(lab, reminders)
    assert_exactly_once(lab.mail, reminders)


def test_redis_flushed_between_dispatch_and_send_still_delivers_exactly_once(lab, broker):
    reminders = make_due_reminders(20)
    handed = dispatch_due_reminders()  # the send tasks now wait in Redis...
    assert handed == len(reminders)
    broker.flushdb()  # ...and are gone.

    lab.start("after-flush")
    dispatch_until_delivered(lab, reminders)
    assert_exactly_once(lab.mail, reminders)


def test_two_workers_and_two_dispatcher_ticks_at_once_deliver_exactly_once(lab):
    reminders = make_due_reminders(40)
    lab.start("left")
    lab.start("right")
    barrier = threading.Barrier(2)

    def tick() -> None:
        try:
            barrier.wait(timeout=10)
            dispatch_due_reminders()
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    dispatch_until_delivered(lab, reminders)
    assert_exactly_once(lab.mail, reminders)
