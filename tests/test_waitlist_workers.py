"""Offers on real Celery workers over real Redis: the first patient's offer is sent by a
worker, expires when its reply-by time passes, and the next patient's is sent, each once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from clinic.models import Patient
from scheduling import services
from scheduling.availability import at_local, local_date
from scheduling.models import FreedSlot, OfferStatus, SentSms, WaitlistMatch
from scheduling.tasks import sweep_waitlist_offers
from scheduling.waitlist import offers
from scheduling.waitlist.entries import waitlist_add
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, make_small_clinic
from tests.worker_harness import Worker, app_on_broker, wait_until, worker_env

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NO_QUIET_HOURS = {"REMINDER_QUIET_START": "00:00", "REMINDER_QUIET_END": "00:00"}


@pytest.fixture
def worker(redis_url: str, tmp_path: Path, settings):
    settings.REMINDER_QUIET_START = settings.REMINDER_QUIET_END = "00:00"
    env = worker_env(
        broker_url=redis_url,
        mail_dir=tmp_path / "mail",
        var_dir=tmp_path / "var",
        **NO_QUIET_HOURS,
    )
    with app_on_broker(redis_url):
        started = Worker("offers", env, tmp_path / "offers.log")
        connection.close()  # the worker writes; hold no SQLite read snapshot meanwhile
        try:
            started.wait_ready()
            yield started
        finally:
            started.stop()


def next_weekday_at_ten() -> dt.datetime:
    """A weekday at 10:00 clinic time, a week or so from now: in the small clinic's hours."""
    day = local_date(timezone.now()) + dt.timedelta(days=7)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return at_local(day, dt.time(10))


def offer_status(match_id: int) -> str:
    status = WaitlistMatch.objects.get(pk=match_id).offer_status
    connection.close()
    return status


def test_an_unanswered_offer_expires_and_the_next_patient_gets_one(worker):
    clinic = make_small_clinic()
    start = next_weekday_at_ten()
    entries = [
        waitlist_add(
            patient=PatientFactory(preferred_channel=Patient.Channel.SMS),
            procedure_type=clinic.procedure("MBB"),
            region="lumbar",
            side="right",
            earliest=local_date(timezone.now()),
            latest=local_date(start) + dt.timedelta(days=7),
            acting_user=None,
        )
        for _ in range(2)
    ]
    case = book_case(clinic, start=start, code="MBB")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    freed = FreedSlot.objects.get(appointment=case)
    first, second = (freed.matches.get(entry=e) for e in entries)

    # The desk offers; the commit hands the send to the worker through Redis.
    offers.offer_first(freed, acting_user=None)
    assert wait_until(lambda: offer_status(first.pk) == OfferStatus.SENT, timeout=60)
    assert offer_status(second.pk) == OfferStatus.NONE

    # The reply-by time passes with no booking; beat's sweep runs on the worker.
    WaitlistMatch.objects.filter(pk=first.pk).update(
        reply_by=timezone.now() - dt.timedelta(seconds=1)
    )
    sweep_waitlist_offers.delay()
    assert wait_until(lambda: offer_status(second.pk) == OfferStatus.SENT, timeout=60)
    assert offer_status(first.pk) == OfferStatus.EXPIRED

    # Each patient had exactly one message, under their offer's key.
    sent = Counter(str(k) for k in SentSms.objects.values_list("idempotency_key", flat=True))
    assert sent == Counter({str(first.idempotency_key): 1, str(second.idempotency_key): 1})
    # A second sweep finds nothing left to expire or send.
    sweep_waitlist_offers.delay()
    assert not wait_until(lambda: SentSms.objects.count() > 2, timeout=3)
