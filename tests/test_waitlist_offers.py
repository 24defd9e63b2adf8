"""Offering a freed slot: one patient at a time, sent once, expiring to the next patient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from clinic.models import Patient
from scheduling import services
from scheduling.models import (
    FreedSlot,
    OfferStatus,
    SentSms,
    WaitlistMatch,
    WaitlistPolicy,
)
from scheduling.waitlist import offers
from scheduling.waitlist.book import book_match
from tests.factories import PatientFactory, PatientMedicationFactory, drug
from tests.scheduling_helpers import book_case, local
from tests.waitlist_helpers import wait_for_epidural

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2027, 3, 1, 9))]


@pytest.fixture(autouse=True)
def keyed_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "scheduling.reminders.mail.KeyedFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def waiting(clinic, channel=Patient.Channel.SMS):
    patient = PatientFactory(preferred_channel=channel, first_name="Ann")
    return wait_for_epidural(
        clinic, patient=patient, earliest=dt.date(2027, 3, 1), latest=dt.date(2027, 3, 31)
    )


def freed_slot(clinic, start=None) -> FreedSlot:
    case = book_case(clinic, start=start or local(2027, 3, 10, 9), code="ESI_IL")
    services.appointment_cancel(appointment=case, reason="Unwell", acting_user=None)
    return FreedSlot.objects.get(appointment=case)


def offer(freed: FreedSlot) -> WaitlistMatch:
    return offers.offer_first(freed, acting_user=None)


def test_an_offer_by_sms_names_the_time_and_the_reply_by_and_no_procedure(clinic):
    entry = waiting(clinic)
    freed = freed_slot(clinic)
    match = offer(freed)
    assert match.entry == entry and match.offer_status == OfferStatus.QUEUED
    assert offers.send_offer(match.pk) == "sent"
    [sms] = SentSms.objects.all()
    assert sms.to == entry.patient.phone
    assert "10 Mar 09:00" in sms.body and "11:00 today" in sms.body
    assert "epidural" not in sms.body.lower()
    match.refresh_from_db()
    assert match.offer_status == OfferStatus.SENT
    assert match.reply_by == local(2027, 3, 1, 11)  # the policy's two hours


def test_an_offer_by_email_has_a_subject_without_the_procedure(clinic, keyed_mail):
    waiting(clinic, channel=Patient.Channel.EMAIL)
    match = offer(freed_slot(clinic))
    assert offers.send_offer(match.pk) == "sent"
    [message] = list(keyed_mail.glob("*.eml"))
    text = message.read_text()
    assert "an earlier appointment is free" in text
    assert str(match.idempotency_key) in message.name
    assert mail.outbox == []


def test_a_send_run_twice_sends_once(clinic):
    waiting(clinic)
    match = offer(freed_slot(clinic))
    assert offers.send_offer(match.pk) == "sent"
    assert offers.send_offer(match.pk) == "skipped"
    # A send whose claim lapsed (a worker died after the channel took it) finds the key
    # delivered and does not send again.
    WaitlistMatch.objects.filter(pk=match.pk).update(offer_status=OfferStatus.QUEUED)
    assert offers.send_offer(match.pk) == "sent"
    assert SentSms.objects.count() == 1


def test_an_offer_with_no_reply_expires_and_passes_to_the_next_patient(clinic, clock):
    first, second = waiting(clinic), waiting(clinic)
    freed = freed_slot(clinic)
    match = offer(freed)
    offers.send_offer(match.pk)
    clock.move_to(local(2027, 3, 1, 10, 59))
    assert offers.expire_offers() == 0
    clock.move_to(local(2027, 3, 1, 11, 1))
    assert offers.expire_offers() == 1
    assert WaitlistMatch.objects.get(pk=match.pk).offer_status == OfferStatus.EXPIRED
    nxt = freed.matches.get(entry=second)
    assert nxt.offer_status == OfferStatus.QUEUED
    assert offers.send_queued() == 1
    assert SentSms.objects.count() == 2
    first.refresh_from_db()
    assert first.status == "waiting"  # they keep their place for the next slot


def test_the_next_patient_is_asked_again_and_skipped_if_booking_would_now_refuse(clinic, clock):
    _first, second, third = waiting(clinic), waiting(clinic), waiting(clinic)
    freed = freed_slot(clinic, start=local(2027, 3, 4, 9))
    match = offer(freed)
    offers.send_offer(match.pk)
    # The second patient was put on warfarin since: five days' hold no longer fit by the 4th.
    PatientMedicationFactory(patient=second.patient, drug=drug("warfarin"))
    offers.offer_declined(WaitlistMatch.objects.get(pk=match.pk), acting_user=None)
    skipped = freed.matches.get(entry=second)
    assert skipped.offer_status == OfferStatus.WITHDRAWN
    assert "Not offered" in skipped.note
    assert freed.matches.get(entry=third).offer_status == OfferStatus.QUEUED


def test_reply_by_never_runs_past_the_notice_the_slot_needs(clinic, clock):
    WaitlistPolicy.objects.filter(pk=1).update(reply_within_minutes=24 * 60, notice_hours=2)
    waiting(clinic)
    freed = freed_slot(clinic, start=local(2027, 3, 1, 15))
    match = offer(freed)
    offers.send_offer(match.pk)
    match.refresh_from_db()
    assert match.reply_by == local(2027, 3, 1, 13)


def test_quiet_hours_hold_an_offer_until_morning(clinic, clock):
    waiting(clinic)
    freed = freed_slot(clinic)
    clock.move_to(local(2027, 3, 1, 21))
    match = offer(freed)
    assert offers.send_offer(match.pk) == "waiting"
    assert not SentSms.objects.exists()
    clock.move_to(local(2027, 3, 2, 8, 1))
    assert offers.send_queued() == 1


def test_booking_the_offered_patient_accepts_the_offer(clinic):
    waiting(clinic)
    freed = freed_slot(clinic)
    match = offer(freed)
    offers.send_offer(match.pk)
    book_match(match=WaitlistMatch.objects.get(pk=match.pk), acting_user=None)
    assert WaitlistMatch.objects.get(pk=match.pk).offer_status == OfferStatus.ACCEPTED
    assert offers.expire_offers() == 0


def test_automatic_offers_follow_the_policy(clinic):
    WaitlistPolicy.objects.filter(pk=1).update(offer_automatically=True)
    entry = waiting(clinic)
    freed = freed_slot(clinic)
    assert freed.matches.get(entry=entry).offer_status == OfferStatus.QUEUED


def test_a_patient_with_no_phone_fails_over_to_the_next(clinic):
    first, second = waiting(clinic), waiting(clinic)
    Patient.objects.filter(pk=first.patient_id).update(phone="")
    freed = freed_slot(clinic)
    match = offer(freed)
    assert offers.send_offer(match.pk) == "failed"
    assert WaitlistMatch.objects.get(pk=match.pk).offer_status == OfferStatus.FAILED
    assert freed.matches.get(entry=second).offer_status == OfferStatus.QUEUED
