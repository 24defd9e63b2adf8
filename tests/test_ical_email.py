"""The appointment reminder's .ics: the patient's own copy of the case for their calendar.

Reminders are claimed and sent by the outbox as the Celery tasks would, into the keyed file
backend; the attachment is read back from the delivered message and parsed with icalendar.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from icalendar import Calendar, Component

from clinic.models import Patient
from scheduling import services
from scheduling.ical.feeds import feed_issue
from scheduling.models import Appointment, Reminder, ReminderKind, SentSms
from scheduling.reminders.outbox import claim_due, send_one
from tests.factories import PatientFactory
from tests.reminder_helpers import KEYED_FILE_BACKEND, everything_in, mail_files, work_through
from tests.scheduling_helpers import book_case, local

NOW = local(2026, 11, 16, 10, 0)  # a Monday
THURSDAY_9 = local(2026, 11, 19, 9, 0)
TUESDAY_9 = local(2026, 11, 17, 9, 0)  # 48 h before THURSDAY_9
FRIDAY_14 = local(2026, 11, 20, 14, 0)

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def mail_dir(settings, tmp_path) -> Path:
    settings.EMAIL_BACKEND = KEYED_FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "sent-email")
    return tmp_path / "sent-email"


def delivered(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def attached_event(message: EmailMessage) -> tuple[Calendar, Component]:
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "appointment.ics"]
    assert part.get_content_type() == "text/calendar"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    calendar = Calendar.from_ical(payload)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def send_the_reminder_of(case: Appointment) -> Reminder:
    [reminder] = Reminder.objects.filter(
        appointment=case, kind=ReminderKind.APPOINTMENT, status="pending"
    )
    token, ids = claim_due(10)
    assert reminder.pk in ids
    assert send_one(reminder.pk, token) == "sent"
    return reminder


def feed_event(case: Appointment) -> Component:
    link = feed_issue(provider=case.provider, acting_user=None)
    calendar = Calendar.from_ical(Client().get(link.path).content)
    [event] = calendar.walk("VEVENT")
    return event


def test_the_appointment_reminder_carries_the_case_as_the_feed_names_it(clinic, mail_dir, clock):
    case = book_case(clinic, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)

    reminder = send_the_reminder_of(case)

    [path] = mail_files(mail_dir)
    calendar, event = attached_event(delivered(path))
    case.refresh_from_db()
    from_feed = feed_event(case)
    clinic_name = settings.CLINIC_NAME
    assert path.name == f"{reminder.idempotency_key}.eml"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert event["UID"] == from_feed["UID"]
    assert event["SEQUENCE"] == from_feed["SEQUENCE"] == case.sequence
    assert event.decoded("DTSTART") == THURSDAY_9
    assert event.decoded("DTEND") == case.end
    assert str(event["SUMMARY"]) == f"Medial branch block (diagnostic) · {clinic_name}"
    assert str(event["LOCATION"]) == f"Suite 1, {clinic_name}"


def test_the_email_still_goes_out_once_with_its_attachment(clinic, mail_dir, clock):
    case = book_case(clinic, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    token, [reminder_id] = claim_due(10)

    assert send_one(reminder_id, token) == "sent"
    assert send_one(reminder_id, token) == "skipped"
    _, ids = claim_due(10)
    assert ids == []

    key = Reminder.objects.get(pk=reminder_id).idempotency_key
    assert everything_in(mail_dir) == [f"{key}.eml"]
    message = delivered(mail_dir / f"{key}.eml")
    assert message["X-Idempotency-Key"] == str(key)
    assert message.get_body(preferencelist=("plain",)) is not None
    assert attached_event(message)[1]["UID"] == feed_event(case)["UID"]


def test_after_a_move_the_new_reminder_carries_the_same_event_with_a_higher_sequence(
    clinic, mail_dir, clock
):
    case = book_case(clinic, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    send_the_reminder_of(case)
    services.appointment_reschedule(appointment=case, start=FRIDAY_14, acting_user=None)
    clock.move_to(local(2026, 11, 18, 14, 0))  # 48 h before the new time

    send_the_reminder_of(case)

    first, second = (attached_event(delivered(p))[1] for p in _in_order_sent(mail_dir))
    assert first["UID"] == second["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second.decoded("DTSTART") == FRIDAY_14


def _in_order_sent(folder: Path) -> list[Path]:
    keys = [
        str(key)
        for key in Reminder.objects.filter(kind=ReminderKind.APPOINTMENT, status="sent")
        .order_by("sent_at")
        .values_list("idempotency_key", flat=True)
    ]
    return [folder / f"{key}.eml" for key in keys]


def test_other_reminders_carry_no_attachment(clinic, mail_dir, clock):
    case = book_case(clinic, start=local(2026, 11, 16, 11, 0))  # reminded at once
    send_the_reminder_of(case)
    work_through(case, clock, at=local(2026, 11, 16, 11, 30))  # a pain diary is due now

    token, ids = claim_due(10)
    assert [send_one(i, token) for i in ids] == ["sent"]

    [diary] = Reminder.objects.filter(kind=ReminderKind.PAIN_DIARY)
    message = delivered(mail_dir / f"{diary.idempotency_key}.eml")
    assert list(message.iter_attachments()) == []


def test_an_sms_reminder_is_sent_as_before(clinic, mail_dir, clock):
    texter = PatientFactory(preferred_channel=Patient.Channel.SMS)
    case = book_case(clinic, patient=texter, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)

    reminder = send_the_reminder_of(case)

    [sms] = SentSms.objects.all()
    assert sms.idempotency_key == reminder.idempotency_key
    assert "BEGIN:VCALENDAR" not in sms.body
    assert mail_files(mail_dir) == []
