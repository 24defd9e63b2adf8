"""Two web machines and two worker machines on one PostgreSQL and one Redis.

Each machine is a process of its own with its own VAR_DIR: two gunicorn servers (through
gunicorn.conf.py, so web processes with the database timeouts; three workers each, counting
rates in Redis through CACHE_URL) and two Celery workers. They share what the README says
machines share: the database and Redis, and here one mail folder.

Two desks book through both servers, slot by slot, every booking for a slot in flight at
once: six bookings that overlap on a provider, a room, a patient, or a provider and a room.
Each slot has one winner, every other desk gets a clean 409, no two active cases overlap in
the database, and each booking's reminder goes out once.

Then one worker machine is lost in the middle of a batch of due reminders (SIGKILL of its
whole process group): the other sends what it held once its lease runs out, and every
reminder reaches its channel exactly once, counted in the channels' own output (the email
files, the SMS store), never in our status column.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from clinic.api.tokens import issue_token
from clinic.models import AuditEvent, Patient, Provider, Room
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    ClinicDay,
    ClinicHours,
    Reminder,
    ReminderStatus,
)
from scheduling.tasks import dispatch_due_reminders
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import local, working_week
from tests.servers import Server, free_port, gunicorn_command, post, serve, server_env
from tests.test_reminder_workers import assert_exactly_once, deliveries
from tests.worker_harness import (
    Worker,
    app_on_broker,
    make_due_reminders,
    wait_until,
    worker_env,
)
from tests.worker_harness import test_database_url as database_url_of_this_test

pytestmark = [
    pytest.mark.race,
    pytest.mark.celery,
    # serialized_rollback: the servers and workers see only committed rows, so this test
    # commits; the flush after it empties the tables, and this puts the migrations' rows back.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several machines share one PostgreSQL; a SQLite file lives on one machine",
    ),
]

# Well above the slowest send here (five messages, three of them SMS at SLOW_SMS_SECONDS),
# so a live worker never loses a batch to another; short, so a lost one's comes back soon.
LEASE_SECONDS = 8
SEND_CHUNK = 5
# The worker machine that will be lost has a slow SMS provider, so it is caught mid-batch.
SLOW_SMS_SECONDS = 0.5
QUICK_SMS_SECONDS = 0.05
DESKS_PER_SLOT = 6
WEB_WORKERS = DESKS_PER_SLOT // 2  # per server
SLOT_HOURS = range(9, 17)
# What each slot's bookings share: every pair of them overlaps in time on that.
CONTESTS = ("provider and room", "provider", "room", "patient")
# A clean refusal: the slot was taken, or a row stayed locked past DB_LOCK_TIMEOUT_MS.
REFUSALS = {"slot_unavailable", "busy"}
BATCH = 40


@dataclass(frozen=True)
class Attempt:
    slot: int
    contest: str
    server: int
    body: dict[str, object]


@dataclass(frozen=True)
class Answer:
    attempt: Attempt
    status: int
    code: str
    appointment_id: int | None


def tomorrow_open() -> dt.date:
    """Tomorrow on the clinic's clock, open whatever day it is.

    A case tomorrow starts less than 48 hours from now, so its appointment reminder is due at
    once and the bookings' reminders go out during the test."""
    day = timezone.localdate() + dt.timedelta(days=1)
    if not ClinicHours.objects.filter(weekday=day.weekday()).exists():
        ClinicHours.objects.create(
            weekday=day.weekday(), start_time=dt.time(7), end_time=dt.time(19)
        )
    # Open even on a public holiday.
    ClinicDay.objects.create(date=day, closed=False, name="Open for the test")
    return day


def contested_attempts(day: dt.date) -> list[Attempt]:
    """For each hour, DESKS_PER_SLOT bookings of which exactly one can win.

    Starts at :00 and :15 (a case lasts 30 minutes) overlap without being equal, and each
    slot's bookings are split between the two servers."""
    providers = [ProviderFactory() for _ in range(DESKS_PER_SLOT)]
    for provider in providers:
        working_week(provider, dt.time(8), dt.time(17), days=range(7))
    rooms = [RoomFactory(fluoroscopy=True) for _ in range(DESKS_PER_SLOT)]
    attempts = []
    for slot, hour in enumerate(SLOT_HOURS):
        contest = CONTESTS[slot % len(CONTESTS)]
        shared_patient = patient_for(slot) if contest == "patient" else None
        for desk in range(DESKS_PER_SLOT):
            start = local(day.year, day.month, day.day, hour, 15 * ((desk // 2) % 2))
            provider = providers[0] if contest.startswith("provider") else providers[desk]
            room = rooms[0] if contest in ("provider and room", "room") else rooms[desk]
            patient = shared_patient or patient_for(slot + desk)
            body = booking(patient, provider, room, start)
            attempts.append(Attempt(slot, contest, desk % 2, body))
    return attempts


def patient_for(index: int) -> Patient:
    """Reminders by email and by SMS, half and half."""
    channel = Patient.Channel.SMS if index % 2 else Patient.Channel.EMAIL
    return PatientFactory(preferred_channel=channel)


def booking(patient: Patient, provider: Provider, room: Room, start: dt.datetime) -> dict:
    return {
        "patient": patient.pk,
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
        "provider": provider.pk,
        "room": room.pk,
        "start": start.isoformat(),
    }


def book_at_once(attempts: list[Attempt], servers: list[Server], tokens: list[str]) -> list[Answer]:
    """Every attempt on its own thread, released together, each to its own server."""
    barrier = threading.Barrier(len(attempts))

    def attempt_booking(attempt: Attempt) -> Answer:
        url = servers[attempt.server].url("/api/appointments/")
        barrier.wait(timeout=30)
        try:
            status, answer, _ = post(url, tokens[attempt.server], attempt.body)
        except json.JSONDecodeError:  # a page, not the API's JSON: a crash
            return Answer(attempt, 0, "not JSON", None)
        return Answer(attempt, status, str(answer.get("code", "")), answer.get("id"))

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(attempt_booking, attempts))


def assert_one_winner_per_slot(answers: list[Answer]) -> list[int]:
    """Returns the winners' appointment ids."""
    outcomes = Counter((a.status, a.code) for a in answers)
    clean = {(201, "")} | {(409, code) for code in REFUSALS}
    assert set(outcomes) <= clean, outcomes
    by_slot: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        by_slot[answer.attempt.slot].append(answer)
    for slot_answers in by_slot.values():
        winners = [a for a in slot_answers if a.status == 201]
        # A lock that outlived DB_LOCK_TIMEOUT_MS may refuse the desk that would have won:
        # then no winner is allowed, two never.
        timed_out = any(a.code == "busy" for a in slot_answers)
        expected = {0, 1} if timed_out else {1}
        seen = [(a.attempt.server, a.status, a.code) for a in slot_answers]
        assert len(winners) in expected, f"{slot_answers[0].attempt.contest}: {seen}"
    return [a.appointment_id for a in answers if a.status == 201 and a.appointment_id]


def overlaps(cases: list[Appointment]) -> list[str]:
    """Pairs of active cases that share a provider, a room (turnover included) or a patient
    at overlapping times: what the exclusion constraints forbid, checked from the rows."""
    found = []
    for resource, until in (
        ("provider_id", "end"),
        ("room_id", "room_busy_until"),
        ("patient_id", "end"),
    ):
        by_resource: dict[int, list[Appointment]] = defaultdict(list)
        for case in cases:
            by_resource[getattr(case, resource)].append(case)
        for same in by_resource.values():
            for first, second in itertools.combinations(same, 2):
                if first.start < getattr(second, until) and second.start < getattr(first, until):
                    found.append(f"{resource}: cases {first.pk} and {second.pk}")
    return found


def tick_until_delivered(mail_dir: Path, reminders: list[Reminder], timeout: float) -> None:
    """Beat's job, done by hand: a dispatcher tick every second until the channels hold
    every reminder and none is pending."""
    keys = {str(r.idempotency_key) for r in reminders}

    def tick() -> bool:
        dispatch_due_reminders()
        done = keys <= set(deliveries(mail_dir))
        return done and not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()

    assert wait_until(tick, timeout=timeout, every=1.0), (
        f"undelivered: {len(keys - set(deliveries(mail_dir)))} of {len(keys)}"
    )


def received_a_send(worker: Worker, since: int) -> bool:
    """Whether the worker took a send task from the broker after byte `since` of its log."""
    with worker.log.open("rb") as log:
        log.seek(since)
        return any(
            b"scheduling.tasks.send_reminders[" in line and b"received" in line for line in log
        )


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    """This process publishes (beat's ticks) to the Redis database the machines use."""
    with app_on_broker(redis_url):
        yield redis_url


@pytest.fixture
def short_leases(settings) -> None:
    # The ticks run here and claim with this process's settings; the workers get the same.
    settings.REMINDER_CLAIM_SECONDS = LEASE_SECONDS
    settings.REMINDER_SEND_CHUNK = SEND_CHUNK


def machine_settings(broker_url: str) -> dict[str, str]:
    """What every machine is given alike: the shared database and broker, the same leases."""
    return {
        "DATABASE_URL": database_url_of_this_test(),
        "CELERY_BROKER_URL": broker_url,
        "REMINDER_CLAIM_SECONDS": str(LEASE_SECONDS),
        "REMINDER_SEND_CHUNK": str(SEND_CHUNK),
        # No quiet hours: a booking made in the evening would keep its reminder for the
        # morning, past the end of the test.
        "REMINDER_QUIET_START": "00:00",
        "REMINDER_QUIET_END": "00:00",
    }


def start_web(stack: ExitStack, name: str, broker_url: str, tmp_path: Path) -> Server:
    env = server_env(
        **machine_settings(broker_url),
        VAR_DIR=str(tmp_path / name),
        # Development settings: with DEBUG off, the development channels are refused.
        DEBUG="true",
        # The test's own key: a token is bound to its user's password through it.
        SECRET_KEY=django_settings.SECRET_KEY,
        # Several web processes count a client's requests together (README, Security).
        CACHE_URL=broker_url,
        LOG_LEVEL="WARNING",
    )
    port = free_port()
    # Enough gunicorn workers that every desk of a slot is answered at once (the last
    # --workers given wins).
    command = [*gunicorn_command(port), "--workers", str(WEB_WORKERS)]
    return stack.enter_context(serve(command, env, port, tmp_path / f"{name}.log"))


def start_worker(name: str, broker_url: str, mail_dir: Path, tmp_path: Path, sms: float) -> Worker:
    env = worker_env(
        broker_url=broker_url,
        mail_dir=mail_dir,
        var_dir=tmp_path / name,
        **machine_settings(broker_url),
        SMS_DEV_DELAY_SECONDS=str(sms),
    )
    return Worker(name, env, tmp_path / f"{name}.log")


def stop_all(workers: list[Worker]) -> None:
    for worker in workers:
        worker.stop()


def test_two_web_and_two_worker_machines_keep_every_guarantee(
    broker: str, short_leases: None, make_staff, tmp_path: Path
):
    day = tomorrow_open()
    attempts = contested_attempts(day)
    tokens = [issue_token(make_staff("scheduler"))[1] for _ in range(2)]
    mail_dir = tmp_path / "mail"  # one folder both worker machines write to
    workers: list[Worker] = []
    with ExitStack() as stack:
        stack.callback(stop_all, workers)
        # Started first, as they take longest to come up; ready is awaited below.
        workers.append(start_worker("doomed", broker, mail_dir, tmp_path, SLOW_SMS_SECONDS))
        workers.append(start_worker("survivor", broker, mail_dir, tmp_path, QUICK_SMS_SECONDS))
        servers = [start_web(stack, f"web-{n}", broker, tmp_path) for n in (1, 2)]
        for worker in workers:
            worker.wait_ready()
        doomed, survivor = workers

        # Two desks, two servers; slot by slot, every booking for a slot in flight at once.
        answers = []
        for slot in range(len(SLOT_HOURS)):
            contest = [attempt for attempt in attempts if attempt.slot == slot]
            answers += book_at_once(contest, servers, tokens)
        winners = assert_one_winner_per_slot(answers)
        assert winners, Counter((a.status, a.code) for a in answers)
        active = list(Appointment.objects.filter(status__in=ACTIVE_STATUSES))
        assert not overlaps(active)
        assert sorted(Appointment.objects.values_list("pk", flat=True)) == sorted(winners)
        assert AuditEvent.objects.filter(action="appointment.book").count() == len(winners)
        booking_reminders = list(Reminder.objects.filter(appointment__in=winners))
        assert {r.appointment_id for r in booking_reminders} == set(winners)
        tick_until_delivered(mail_dir, booking_reminders, timeout=30)

        # A batch of due reminders, and the slow worker machine lost in the middle of it.
        batch = make_due_reminders(BATCH)
        since = doomed.log.stat().st_size
        ticked_at = timezone.now()
        dispatch_due_reminders()
        assert wait_until(lambda: received_a_send(doomed, since), timeout=20, every=0.05)
        # Past its first SMS, before its last (each batch of five has two or three): the
        # survivor must find the first already delivered, and send the rest.
        time.sleep(0.8)
        doomed.kill()
        batch_keys = {str(r.idempotency_key) for r in batch}
        assert not batch_keys <= set(deliveries(mail_dir)), "the loss came too late"

        every_reminder = booking_reminders + batch
        tick_until_delivered(mail_dir, every_reminder, timeout=45)
        assert survivor.process.poll() is None
    assert_exactly_once(mail_dir, every_reminder)
    # What the lost machine held went out only once its lease had run out.
    waited = ticked_at + dt.timedelta(seconds=LEASE_SECONDS)
    assert Reminder.objects.filter(pk__in=[r.pk for r in batch], sent_at__gte=waited).exists()
