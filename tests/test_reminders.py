"""Reminders: never lost, never sent twice (DESIGN.md, mechanism 3).

Rows are written by the real services in the booking's transaction; the outbox is driven
by calling `claim_due` and `send_one` as the Celery tasks do. Mail goes through the keyed
file backend into a temporary folder, SMS into the development store, and a failing mail
server is a real refused connection on a closed port.
"""

from __future__ import annotations

import datetime as dt
import socketserver
import threading
import uuid
from collections import Counter

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.db import connection

from clinic.models import Patient
from procedures.models import PatientMedication
from scheduling import services
from scheduling.models import (
    Appointment,
    ProviderDayException,
    Reminder,
    ReminderKind,
    ReminderStatus,
    SentSms,
)
from scheduling.reminders import plan
from scheduling.reminders.channels import Email, Outgoing, StoredSms
from scheduling.reminders.outbox import claim_due, send_batch, send_one
from scheduling.reminders.plan import out_of_quiet_hours
from tests.factories import PatientFactory, drug
from tests.reminder_helpers import (
    KEYED_FILE_BACKEND,
    blocks_for_ablation,
    everything_in,
    mail_files,
    mail_text,
    psych_clearance,
    reminders_of,
    sacroiliac_block,
    send_due,
    trial_done,
    work_through,
)
from tests.scheduling_helpers import book_case, local, make_small_clinic, post_booking, zone

NOW = local(2026, 11, 16, 10, 0)  # a Monday
THURSDAY_9 = local(2026, 11, 19, 9, 0)
TUESDAY_9 = local(2026, 11, 17, 9, 0)  # 48 h before THURSDAY_9
UTC = dt.UTC

pytestmark = pytest.mark.clock_at(NOW)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def mail_dir(settings, tmp_path):
    """The development mail channel, writing `<key>.eml` files into a fresh folder."""
    settings.EMAIL_BACKEND = KEYED_FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "sent-email")
    return tmp_path / "sent-email"


@pytest.fixture
def early_thursday(clinic):
    """Dr. Chen starts at 07:00 on Thursday 19 November (the clinic opens at 07:00)."""
    ProviderDayException.objects.create(
        provider=clinic.chen,
        date=dt.date(2026, 11, 19),
        start_time=dt.time(7),
        end_time=dt.time(17),
    )


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Rosalind")


def as_local(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --- 1. Quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (local(2026, 11, 18, 19, 59), local(2026, 11, 18, 19, 59)),
        (local(2026, 11, 18, 20, 0), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 18, 23, 30), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 19, 0, 0), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 19, 3, 0), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 19, 7, 59), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 19, 8, 0), local(2026, 11, 19, 8, 0)),
        (local(2026, 11, 19, 12, 30), local(2026, 11, 19, 12, 30)),
        # New Year's Eve: the next day is in the next month and year.
        (local(2026, 12, 31, 22, 0), local(2027, 1, 1, 8, 0)),
    ],
)
def test_a_due_time_in_quiet_hours_moves_to_eight_and_others_stay(due, expected):
    assert out_of_quiet_hours(due) == expected


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # Spring forward, Sun 8 March 2026: 08:00 EDT is 12:00 UTC.
        (utc(2026, 3, 8, 4, 30), utc(2026, 3, 8, 12, 0)),  # Sat 23:30 EST
        (utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 12, 0)),  # 01:30 EST, before the jump
        (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 12, 0)),  # 03:30 EDT, after it
        (utc(2026, 3, 8, 11, 30), utc(2026, 3, 8, 12, 0)),  # 07:30 EDT
        (utc(2026, 3, 8, 12, 0), utc(2026, 3, 8, 12, 0)),  # 08:00 EDT stays
        # Fall back, Sun 1 November 2026: 08:00 EST is 13:00 UTC.
        (utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 13, 0)),  # Sat 22:00 EDT
        (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 13, 0)),  # 01:30 EDT, the first time
        (utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 13, 0)),  # 01:30 EST, the second time
        (utc(2026, 11, 1, 12, 30), utc(2026, 11, 1, 13, 0)),  # 07:30 EST
        (utc(2026, 11, 1, 13, 0), utc(2026, 11, 1, 13, 0)),  # 08:00 EST stays
    ],
)
def test_on_the_days_the_clocks_change_quiet_hours_still_end_at_eight_local_time(due, expected):
    moved = out_of_quiet_hours(due)
    assert moved == expected
    assert moved.astimezone(zone()).time() >= dt.time(8)


@pytest.mark.parametrize(
    ("quiet", "due", "expected"),
    [
        (("22:00", "07:00"), local(2026, 11, 18, 21, 0), local(2026, 11, 18, 21, 0)),
        (("22:00", "07:00"), local(2026, 11, 18, 22, 0), local(2026, 11, 19, 7, 0)),
        (("22:00", "07:00"), local(2026, 11, 19, 6, 30), local(2026, 11, 19, 7, 0)),
        (("22:00", "07:00"), local(2026, 11, 19, 7, 30), local(2026, 11, 19, 7, 30)),
        # A window that does not wrap past midnight: a quiet lunch.
        (("12:00", "13:30"), local(2026, 11, 18, 11, 59), local(2026, 11, 18, 11, 59)),
        (("12:00", "13:30"), local(2026, 11, 18, 12, 45), local(2026, 11, 18, 13, 30)),
        (("12:00", "13:30"), local(2026, 11, 18, 13, 30), local(2026, 11, 18, 13, 30)),
    ],
)
def test_quiet_hours_come_from_the_settings(settings, quiet, due, expected):
    settings.REMINDER_QUIET_START, settings.REMINDER_QUIET_END = quiet
    assert out_of_quiet_hours(due) == expected


# --- 2. Booking writes the appointment reminder ---------------------------------------------------


def test_booking_writes_an_appointment_reminder_due_48_hours_before_the_case(
    clinic, patient, scheduler_api
):
    response = post_booking(scheduler_api, clinic, patient, THURSDAY_9)
    assert response.status_code == 201, response.content

    appointment = Appointment.objects.get(pk=response.json()["id"])
    [reminder] = reminders_of(appointment)
    assert reminder.kind == ReminderKind.APPOINTMENT
    assert reminder.due_at == TUESDAY_9
    assert reminder.next_attempt_at == TUESDAY_9
    assert reminder.status == ReminderStatus.PENDING
    assert reminder.channel == "email"
    assert reminder.patient == patient
    assert reminder.trigger == "booked"
    assert reminder.attempts == 0


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # 48 h before 08:15 Thursday is 08:15 Tuesday: outside quiet hours, kept.
        (local(2026, 11, 19, 8, 15), local(2026, 11, 17, 8, 15)),
        # Exactly the end of quiet hours: kept.
        (local(2026, 11, 19, 8, 0), local(2026, 11, 17, 8, 0)),
        # 07:15 Tuesday is quiet: it goes out at 08:00 instead.
        (local(2026, 11, 19, 7, 15), local(2026, 11, 17, 8, 0)),
    ],
)
def test_an_appointment_reminder_in_quiet_hours_goes_out_when_they_end(
    clinic, early_thursday, patient, scheduler_api, start, due
):
    response = post_booking(scheduler_api, clinic, patient, start)
    assert response.status_code == 201, response.content
    [reminder] = reminders_of(Appointment.objects.get(pk=response.json()["id"]))
    assert reminder.due_at == due


def test_the_reminder_goes_to_the_channel_the_patient_prefers(clinic, scheduler_api):
    texter = PatientFactory(preferred_channel=Patient.Channel.SMS)
    response = post_booking(scheduler_api, clinic, texter, THURSDAY_9)
    assert response.status_code == 201
    [reminder] = reminders_of(Appointment.objects.get(pk=response.json()["id"]))
    assert reminder.channel == "sms"


def test_a_case_booked_less_than_48_hours_ahead_is_reminded_at_once(clinic, patient, scheduler_api):
    response = post_booking(scheduler_api, clinic, patient, local(2026, 11, 17, 14, 0))
    assert response.status_code == 201
    [reminder] = reminders_of(Appointment.objects.get(pk=response.json()["id"]))
    assert reminder.due_at == NOW
    assert claim_due(10)[1] == [reminder.pk]


def test_a_case_booked_in_quiet_hours_for_tomorrow_is_reminded_when_they_end(
    clinic, patient, scheduler_api, clock
):
    clock.move_to(local(2026, 11, 16, 21, 0))
    response = post_booking(scheduler_api, clinic, patient, local(2026, 11, 17, 9, 0))
    assert response.status_code == 201
    [reminder] = reminders_of(Appointment.objects.get(pk=response.json()["id"]))
    assert reminder.due_at == local(2026, 11, 17, 8, 0)


def test_no_appointment_reminder_is_written_when_it_could_only_go_out_once_the_case_began(
    clinic, patient, scheduler_api, clock
):
    clock.move_to(local(2026, 11, 16, 21, 0))
    response = post_booking(scheduler_api, clinic, patient, local(2026, 11, 17, 8, 0))
    assert response.status_code == 201
    assert reminders_of(Appointment.objects.get(pk=response.json()["id"])) == []


@pytest.mark.parametrize(
    ("refusal", "status", "code"),
    [
        ("busy", 409, "slot_unavailable"),
        ("saturday", 422, "outside_hours"),
        ("ablation_without_blocks", 422, "not_eligible"),
    ],
)
def test_a_refused_booking_writes_no_reminder(
    clinic, patient, scheduler_api, refusal, status, code
):
    if refusal == "busy":
        book_case(clinic, start=THURSDAY_9)
    before = Reminder.objects.count()
    start = local(2026, 11, 21, 9, 0) if refusal == "saturday" else THURSDAY_9
    extra = {"procedure_type": "RFA"} if refusal == "ablation_without_blocks" else {}
    response = post_booking(scheduler_api, clinic, patient, start, **extra)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Reminder.objects.count() == before
    assert not Reminder.objects.filter(patient=patient).exists()


def test_the_reminders_of_a_case_are_listed_for_every_role(clinic, patient, api_as, anon_api):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    url = f"/api/appointments/{appointment.pk}/reminders/"
    for role in ("scheduler", "nurse", "manager"):
        response = api_as(role).get(url)
        assert response.status_code == 200, (role, response.content)
        [row] = response.json()
        assert {"kind", "due_at", "status", "channel"} <= set(row)
        assert row["kind"] == "appointment"
        assert as_local(row["due_at"]) == TUESDAY_9
        assert row["status"] == "pending"
        assert row["channel"] == "email"
    assert anon_api.get(url).status_code == 401
    assert api_as(None).get(url).status_code == 403
    missing = api_as("nurse").get("/api/appointments/424242/reminders/")
    assert missing.status_code == 404


# --- 3. Moving, cancelling and completing a case --------------------------------------------------


def reminder_rows(api, appointment_id):
    response = api.get(f"/api/appointments/{appointment_id}/reminders/")
    assert response.status_code == 200
    return [(r["kind"], as_local(r["due_at"]), r["status"]) for r in response.json()]


def test_rescheduling_cancels_the_pending_reminder_and_writes_one_for_the_new_time(
    clinic, patient, scheduler_api
):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    moved = scheduler_api.post(
        f"/api/appointments/{created['id']}/reschedule/",
        {"start": local(2026, 11, 20, 11, 0).isoformat()},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert reminder_rows(scheduler_api, created["id"]) == [
        ("appointment", TUESDAY_9, "cancelled"),
        ("appointment", local(2026, 11, 18, 11, 0), "pending"),
    ]
    old = Reminder.objects.get(appointment_id=created["id"], status=ReminderStatus.CANCELLED)
    assert old.cancelled_at == NOW


def test_a_refused_reschedule_leaves_the_reminders_as_they_were(clinic, patient, scheduler_api):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    refused = scheduler_api.post(
        f"/api/appointments/{created['id']}/reschedule/",
        {"start": local(2026, 11, 21, 9, 0).isoformat()},  # a Saturday
        format="json",
    )
    assert refused.status_code == 422
    assert reminder_rows(scheduler_api, created["id"]) == [("appointment", TUESDAY_9, "pending")]


def test_rescheduling_after_the_reminder_went_out_keeps_it_sent_and_reminds_again(
    clinic, patient, scheduler_api, mail_dir, clock
):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    clock.move_to(TUESDAY_9)
    assert list(send_due().values()) == ["sent"]
    moved = scheduler_api.post(
        f"/api/appointments/{created['id']}/reschedule/",
        {"start": local(2026, 11, 20, 11, 0).isoformat()},
        format="json",
    )
    assert moved.status_code == 200
    assert reminder_rows(scheduler_api, created["id"]) == [
        ("appointment", TUESDAY_9, "sent"),
        ("appointment", local(2026, 11, 18, 11, 0), "pending"),
    ]


def test_cancelling_a_case_cancels_its_pending_reminders(clinic, patient, scheduler_api):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    response = scheduler_api.post(
        f"/api/appointments/{created['id']}/cancel/", {"reason": "Feeling better"}
    )
    assert response.status_code == 200
    assert reminder_rows(scheduler_api, created["id"]) == [("appointment", TUESDAY_9, "cancelled")]
    assert claim_due(10)[1] == []


def test_a_no_show_cancels_the_pending_reminders(clinic, patient, scheduler_api, nurse_api, clock):
    created = post_booking(scheduler_api, clinic, patient, THURSDAY_9).json()
    clock.move_to(THURSDAY_9 + dt.timedelta(minutes=20))
    response = nurse_api.post(f"/api/appointments/{created['id']}/no-show/")
    assert response.status_code == 200, response.content
    assert reminder_rows(nurse_api, created["id"]) == [("appointment", TUESDAY_9, "cancelled")]
    assert claim_due(10)[1] == []


def complete_through_api(nurse_api, appointment_id, clock, at):
    clock.move_to(at)
    checked_in = nurse_api.post(
        f"/api/appointments/{appointment_id}/check-in/",
        {"override_reason": "Checklist confirmed by phone"},
        format="json",
    )
    assert checked_in.status_code == 200, checked_in.content
    completed = nurse_api.post(f"/api/appointments/{appointment_id}/complete/")
    assert completed.status_code == 200, completed.content


PREPARE = {
    "RFA": lambda clinic, patient, clock: blocks_for_ablation(patient),
    "SCS_TRIAL": lambda clinic, patient, clock: psych_clearance(patient),
    "SI_JOINT": lambda clinic, patient, clock: sacroiliac_block(patient),
    "SCS_IMPLANT": trial_done,
}


@pytest.mark.parametrize(
    ("code", "start", "kind", "due"),
    [
        # Pain diary: when the block ends (completed then), never pushed past quiet hours.
        ("MBB", local(2026, 11, 19, 9, 0), "pain_diary", local(2026, 11, 19, 9, 30)),
        ("MBB", local(2026, 11, 19, 14, 0), "pain_diary", local(2026, 11, 19, 14, 30)),
        # Relief follow-ups on the day a repeat needs relief proved (DOMAIN.md).
        ("ESI_IL", THURSDAY_9, "relief_follow_up", local(2026, 12, 3, 9, 0)),
        ("ESI_TF", THURSDAY_9, "relief_follow_up", local(2026, 12, 3, 9, 0)),
        ("ESI_CAUDAL", THURSDAY_9, "relief_follow_up", local(2026, 12, 3, 9, 0)),
        ("ESI_IL", local(2026, 11, 19, 7, 15), "relief_follow_up", local(2026, 12, 3, 8, 0)),
        ("RFA", THURSDAY_9, "follow_up", local(2026, 12, 17, 9, 0)),  # the four-week check
        ("TPI", THURSDAY_9, "relief_follow_up", local(2026, 12, 31, 9, 0)),  # 6 weeks
        ("FACET_IA", THURSDAY_9, "relief_follow_up", local(2027, 2, 17, 9, 0)),  # 3 months
        ("SI_JOINT", THURSDAY_9, "relief_follow_up", local(2027, 2, 17, 9, 0)),
        ("SCS_TRIAL", THURSDAY_9, "trial_end", local(2026, 11, 26, 9, 0)),
        ("SCS_IMPLANT", THURSDAY_9, "follow_up", local(2026, 11, 29, 9, 0)),
        ("KYPHOPLASTY", THURSDAY_9, "follow_up", local(2026, 12, 3, 9, 0)),
    ],
)
def test_completing_a_case_writes_its_follow_up_and_cancels_the_pending_appointment_reminder(
    clinic, early_thursday, patient, scheduler_api, nurse_api, clock, code, start, kind, due
):
    if code in PREPARE:
        PREPARE[code](clinic, patient, clock)
    created = post_booking(scheduler_api, clinic, patient, start, procedure_type=code)
    assert created.status_code == 201, created.content

    complete_through_api(nurse_api, created.json()["id"], clock, start)

    booked_due = max(start - dt.timedelta(hours=48), local(2026, 11, 17, 8, 0))
    rows = reminder_rows(nurse_api, created.json()["id"])
    if code == "RFA":  # the four-week check, then relief proved at six months
        assert rows[2] == ("relief_follow_up", local(2027, 5, 21, 9, 0), "pending")
        rows = rows[:2]
    assert rows == [
        ("appointment", booked_due, "cancelled"),
        (kind, due, "pending"),
    ]
    follow_up = Reminder.objects.get(appointment_id=created.json()["id"], kind=kind, due_at=due)
    assert follow_up.trigger == "completed"
    assert follow_up.channel == "email"
    assert follow_up.next_attempt_at == due


def test_a_procedure_without_a_follow_up_rule_gets_none_on_completion(
    clinic, patient, scheduler_api, nurse_api, clock
):
    created = post_booking(
        scheduler_api, clinic, patient, THURSDAY_9, procedure_type="SYMPATHETIC"
    ).json()
    complete_through_api(nurse_api, created["id"], clock, THURSDAY_9)
    assert reminder_rows(nurse_api, created["id"]) == [("appointment", TUESDAY_9, "cancelled")]


def test_an_appointment_reminder_already_sent_stays_sent_when_the_case_is_completed(
    clinic, patient, mail_dir, clock
):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    assert list(send_due().values()) == ["sent"]
    work_through(appointment, clock, at=THURSDAY_9)
    assert [(r.kind, r.status) for r in reminders_of(appointment)] == [
        ("appointment", "sent"),
        ("pain_diary", "pending"),
    ]


def test_a_follow_up_days_after_a_case_keeps_the_case_local_hour_across_the_clock_change(
    clinic, patient, clock
):
    # Thursday 22 October 2026, 09:00 EDT; fourteen days later the clocks say EST.
    clock.move_to(local(2026, 10, 19, 10, 0))
    appointment = book_case(clinic, patient=patient, start=local(2026, 10, 22, 9, 0), code="ESI_IL")
    work_through(appointment, clock, at=local(2026, 10, 22, 9, 40))
    follow_up = Reminder.objects.get(appointment=appointment, kind="relief_follow_up")
    assert follow_up.due_at == local(2026, 11, 5, 9, 0)
    assert follow_up.due_at == utc(2026, 11, 5, 14, 0)


@pytest.mark.parametrize("given_in", ["clinic time", "utc"])
def test_an_appointment_reminder_two_days_before_a_case_keeps_its_local_hour_across_the_change(
    clinic, patient, clock, given_in
):
    # Monday 2 November 2026, 09:00 EST; two days earlier the clocks said EDT. The start
    # arrives in clinic time from the API, in UTC from the database: the same reminder.
    clock.move_to(local(2026, 10, 28, 10, 0))
    start = local(2026, 11, 2, 9, 0)
    appointment = book_case(
        clinic, patient=patient, start=start if given_in == "clinic time" else start.astimezone(UTC)
    )
    [reminder] = reminders_of(appointment)
    assert reminder.due_at == local(2026, 10, 31, 9, 0)
    assert reminder.due_at == utc(2026, 10, 31, 13, 0)


# --- 4. The outbox --------------------------------------------------------------------------------


def test_claim_due_takes_only_due_pending_unclaimed_rows_and_marks_them(clinic, patient, clock):
    due_soon = reminders_of(book_case(clinic, patient=patient, start=THURSDAY_9))[0]  # Tue 09:00
    later = reminders_of(book_case(clinic, start=local(2026, 11, 20, 9, 0)))[0]
    cancelled = book_case(clinic, start=local(2026, 11, 19, 10, 0))
    services.appointment_cancel(appointment=cancelled, reason="moved away", acting_user=None)
    sent = reminders_of(book_case(clinic, start=local(2026, 11, 19, 11, 0)))[0]
    Reminder.objects.filter(pk=sent.pk).update(status=ReminderStatus.SENT, sent_at=NOW)
    also_due = reminders_of(book_case(clinic, start=local(2026, 11, 19, 12, 0)))[0]

    clock.move_to(TUESDAY_9 - dt.timedelta(minutes=1))
    assert claim_due(10)[1] == []  # nothing due yet

    claimed_at = local(2026, 11, 17, 12, 30)
    clock.move_to(claimed_at)
    first_token, first = claim_due(1)
    assert first == [due_soon.pk]  # the earliest due first, and no more than the limit
    token, ids = claim_due(10)
    # Not the row claimed a moment ago (its lease runs), nor the later, cancelled or sent ones.
    assert ids == [also_due.pk]
    assert token != first_token
    assert claim_due(10)[1] == []  # both are leased now

    due_soon.refresh_from_db()
    assert due_soon.claim_token == first_token
    assert due_soon.claimed_until == claimed_at + dt.timedelta(
        seconds=django_settings.REMINDER_CLAIM_SECONDS
    )
    assert due_soon.status == ReminderStatus.PENDING
    later.refresh_from_db()
    assert later.claim_token is None


def test_send_one_emails_the_patient_once_and_marks_the_reminder_sent(
    clinic, patient, mail_dir, clock
):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    token, [reminder_id] = claim_due(10)

    assert send_one(reminder_id, token) == "sent"

    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.status == ReminderStatus.SENT
    assert reminder.sent_at == TUESDAY_9
    assert reminder.attempts == 1
    assert reminder.claim_token is None
    [message] = mail_files(mail_dir)
    assert message.name == f"{reminder.idempotency_key}.eml"
    to, subject, body = mail_text(message)
    assert to == patient.email
    assert django_settings.CLINIC_NAME in subject
    assert "Rosalind" in body
    assert appointment.procedure_type.name.lower() in body.lower()
    assert "Thursday 19 November 2026 at 09:00" in body


def test_sending_again_with_the_same_token_is_skipped_and_delivers_nothing_more(
    clinic, patient, mail_dir, clock
):
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    token, [reminder_id] = claim_due(10)
    assert send_one(reminder_id, token) == "sent"

    assert send_one(reminder_id, token) == "skipped"
    assert send_one(reminder_id, str(token)) == "skipped"  # as the task receives it

    key = Reminder.objects.get(pk=reminder_id).idempotency_key
    assert everything_in(mail_dir) == [f"{key}.eml"]
    assert Reminder.objects.get(pk=reminder_id).attempts == 1


def test_a_stale_token_is_skipped(clinic, patient, mail_dir, clock):
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    _, [reminder_id] = claim_due(10)

    assert send_one(reminder_id, uuid.uuid4()) == "skipped"
    assert mail_files(mail_dir) == []
    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.status == ReminderStatus.PENDING
    assert reminder.attempts == 0


def test_a_reminder_cancelled_after_it_was_claimed_is_skipped(clinic, patient, mail_dir, clock):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    token, [reminder_id] = claim_due(10)
    services.appointment_cancel(appointment=appointment, reason="Called in", acting_user=None)

    assert send_one(reminder_id, token) == "skipped"
    assert mail_files(mail_dir) == []
    assert Reminder.objects.get(pk=reminder_id).status == ReminderStatus.CANCELLED


def test_when_the_lease_runs_out_a_new_dispatch_claims_the_reminder_and_the_old_token_is_stale(
    clinic, patient, mail_dir, clock
):
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    lost_token, [reminder_id] = claim_due(10)  # its send task never ran: the broker was flushed

    lease = dt.timedelta(seconds=django_settings.REMINDER_CLAIM_SECONDS)
    clock.move_to(TUESDAY_9 + lease)
    assert claim_due(10)[1] == []  # the lease has not run out yet
    clock.move_to(TUESDAY_9 + lease + dt.timedelta(seconds=1))
    token, ids = claim_due(10)
    assert ids == [reminder_id]
    assert token != lost_token

    assert send_one(reminder_id, lost_token) == "skipped"
    assert send_one(reminder_id, token) == "sent"
    assert len(mail_files(mail_dir)) == 1
    clock.move_to(TUESDAY_9 + 3 * lease)
    assert claim_due(10)[1] == []  # sent: never claimed again


def test_a_reminder_whose_sends_never_finish_fails_after_the_last_attempt(
    clinic, patient, mail_dir, clock, settings
):
    # Each send hangs until the task's time limit: the row is taken, the lease runs out, and
    # nothing records a failure. The attempts still count, and the last one ends it.
    settings.REMINDER_MAX_ATTEMPTS = 3
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    lease = dt.timedelta(seconds=django_settings.REMINDER_CLAIM_SECONDS + 1)
    for attempt in range(3):
        _, [reminder_id] = claim_due(10)
        # What a hung send leaves behind: the attempt counted, the row still claimed.
        Reminder.objects.filter(pk=reminder_id).update(attempts=attempt + 1)
        clock.move_to(TUESDAY_9 + (attempt + 1) * lease)
        assert Reminder.objects.get(pk=reminder_id).status == ReminderStatus.PENDING

    token, [again] = claim_due(10)
    assert again == reminder_id
    assert send_one(reminder_id, token) == "failed"

    reminder = Reminder.objects.get(pk=reminder_id)
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.last_error == "No attempt to send it finished in 3 tries."
    assert mail_files(mail_dir) == []
    clock.move_to(TUESDAY_9 + 10 * lease)
    assert claim_due(10)[1] == []


def test_a_short_lease_follows_the_setting(clinic, patient, settings, clock):
    settings.REMINDER_CLAIM_SECONDS = 5
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    _, [reminder_id] = claim_due(10)
    clock.move_to(TUESDAY_9 + dt.timedelta(seconds=6))
    assert claim_due(10)[1] == [reminder_id]


def test_a_reminder_delivered_just_before_its_worker_died_is_marked_sent_without_a_second_email(
    clinic, patient, mail_dir, clock
):
    book_case(clinic, patient=patient, start=THURSDAY_9)
    reminder = Reminder.objects.get(patient=patient)
    key = str(reminder.idempotency_key)
    clock.move_to(TUESDAY_9)
    # A worker sent it, then died before marking the row: the channel has the key.
    Email().send(Outgoing(patient.email, "Reminder", "Your appointment", key))
    assert everything_in(mail_dir) == [f"{key}.eml"]

    token, [reminder_id] = claim_due(10)
    assert send_one(reminder_id, token) == "sent"

    assert everything_in(mail_dir) == [f"{key}.eml"]  # no `<key>.duplicate-*.eml`
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    assert reminder.sent_at == TUESDAY_9


def test_an_sms_delivered_just_before_its_worker_died_is_not_sent_again(clinic, mail_dir, clock):
    texter = PatientFactory(preferred_channel=Patient.Channel.SMS)
    book_case(clinic, patient=texter, start=THURSDAY_9)
    key = str(Reminder.objects.get(patient=texter).idempotency_key)
    clock.move_to(TUESDAY_9)
    StoredSms().send(Outgoing(texter.phone, "", "Your appointment", key))

    assert list(send_due().values()) == ["sent"]

    assert SentSms.objects.filter(idempotency_key=key).count() == 1
    assert Reminder.objects.get(patient=texter).status == ReminderStatus.SENT
    assert mail_files(mail_dir) == []


class SmsCutOffByTheTimeLimit(StoredSms):
    """An SMS provider plugged in by SMS_BACKEND, slow enough that the send task's soft time
    limit strikes during its second message, after the first went out."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: Outgoing) -> None:
        if self.sent:
            raise SoftTimeLimitExceeded()
        super().send(message)
        self.sent += 1


def test_a_batch_cut_short_by_the_time_limit_records_what_went_out_and_the_rest_goes_later(
    clinic, settings, clock
):
    settings.SMS_BACKEND = f"{__name__}.SmsCutOffByTheTimeLimit"
    for hours in (0, 2, 4):
        texter = PatientFactory(preferred_channel=Patient.Channel.SMS)
        book_case(clinic, patient=texter, start=THURSDAY_9 + dt.timedelta(hours=hours))
    claimed_at = TUESDAY_9 + dt.timedelta(hours=4)
    clock.move_to(claimed_at)
    token, ids = claim_due(10)
    first, cut_off, never_reached = ids  # sent in their due order

    with pytest.raises(SoftTimeLimitExceeded):
        send_batch(ids, token)

    # What went out is recorded at once: no later claim may send it again, even through a
    # channel that cannot tell what it delivered (SMTP).
    [sms] = SentSms.objects.all()
    sent = Reminder.objects.get(pk=first)
    assert (sent.status, sent.idempotency_key) == (ReminderStatus.SENT, sms.idempotency_key)
    # The send cut off may have gone out: its row keeps the lease and the attempt.
    interrupted = Reminder.objects.get(pk=cut_off)
    assert (interrupted.status, interrupted.attempts) == (ReminderStatus.PENDING, 1)
    assert interrupted.claim_token is not None
    # The one never reached is handed back, untried: the next dispatch takes it.
    untried = Reminder.objects.get(pk=never_reached)
    assert (untried.status, untried.attempts, untried.claim_token) == ("pending", 0, None)

    settings.SMS_BACKEND = "scheduling.reminders.channels.StoredSms"
    assert send_due() == {never_reached: "sent"}
    clock.move_to(claimed_at + dt.timedelta(seconds=settings.REMINDER_CLAIM_SECONDS + 1))
    assert send_due() == {cut_off: "sent"}
    keys = sorted(str(k) for k in SentSms.objects.values_list("idempotency_key", flat=True))
    assert keys == sorted(str(r.idempotency_key) for r in Reminder.objects.all())


class SmtpServer(socketserver.ThreadingTCPServer):
    """A real SMTP server on a loopback port that accepts every message and counts."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpConversation)
        self.connections = 0
        self.messages = 0


class SmtpConversation(socketserver.StreamRequestHandler):
    server: SmtpServer

    def handle(self) -> None:
        self.server.connections += 1
        self.wfile.write(b"220 clinic-test ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command == b"DATA":
                self.wfile.write(b"354 end with a dot\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                self.server.messages += 1
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # EHLO, MAIL FROM, RCPT TO, RSET
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.server_address
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_batch_of_emails_goes_over_one_smtp_connection(clinic, smtp_server, clock):
    for hours in (0, 2, 4):
        patient = PatientFactory(preferred_channel=Patient.Channel.EMAIL)
        book_case(clinic, patient=patient, start=THURSDAY_9 + dt.timedelta(hours=hours))
    clock.move_to(TUESDAY_9 + dt.timedelta(hours=4))
    token, ids = claim_due(10)

    assert list(send_batch(ids, token).values()) == ["sent"] * 3

    # One handshake (with TLS and login, the slow part) for the batch, not one per message.
    assert (smtp_server.connections, smtp_server.messages) == (1, 3)
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 3


# --- 5. SMS ---------------------------------------------------------------------------------------


@pytest.fixture
def texter(db):
    patient = PatientFactory(
        first_name="Ignatius", phone="+12125550199", preferred_channel=Patient.Channel.SMS
    )
    PatientMedication.objects.create(patient=patient, drug=drug("warfarin"))
    return patient


def test_an_sms_reminder_carries_the_first_name_the_clinic_and_the_date_and_no_more(
    clinic, texter, mail_dir, clock
):
    appointment = book_case(clinic, patient=texter, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)

    assert list(send_due().values()) == ["sent"]

    [sms] = SentSms.objects.all()
    reminder = Reminder.objects.get(appointment=appointment)
    assert sms.idempotency_key == reminder.idempotency_key
    assert sms.to == "+12125550199"
    assert "Ignatius" in sms.body
    assert django_settings.CLINIC_NAME in sms.body
    assert "19 Nov" in sms.body
    assert "09:00" in sms.body
    assert_nothing_private(sms.body, appointment)
    assert mail_files(mail_dir) == []
    assert reminder.status == ReminderStatus.SENT


def assert_nothing_private(body: str, appointment: Appointment) -> None:
    lowered = body.lower()
    procedure = appointment.procedure_type
    for private in (
        procedure.name,
        procedure.code,
        "block",
        "epidural",
        "stimulator",
        appointment.provider.name,
        "Chen",
        appointment.room.name,
        appointment.patient.last_name,
        "warfarin",
        "coumadin",
        "blood thinner",
    ):
        assert private.lower() not in lowered, (private, body)


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_no_sms_text_names_the_procedure_the_provider_or_a_drug(
    clinic, texter, mail_dir, clock, kind
):
    appointment = book_case(clinic, patient=texter, start=THURSDAY_9)
    Reminder.objects.filter(appointment=appointment).delete()
    context = {
        "drug": "Warfarin",
        "last_dose_on": "2026-11-13",
        "first_day_without": "2026-11-14",
        "note": "",
    }
    plan.add_reminder(appointment, kind, NOW, context=context)

    assert list(send_due().values()) == ["sent"]

    [sms] = SentSms.objects.all()
    assert sms.body.startswith(f"Ignatius, {django_settings.CLINIC_NAME}: ")
    assert_nothing_private(sms.body, appointment)


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_every_kind_of_email_names_the_patient_and_the_clinic(
    clinic, patient, mail_dir, clock, kind
):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9, code="ESI_IL")
    Reminder.objects.filter(appointment=appointment).delete()
    context = {"drug": "Warfarin", "last_dose_on": "2026-11-13", "first_day_without": "2026-11-14"}
    plan.add_reminder(appointment, kind, NOW, context=context)

    assert list(send_due().values()) == ["sent"]

    [message] = mail_files(mail_dir)
    _, subject, body = mail_text(message)
    assert body.startswith("Dear Rosalind,")
    assert body.rstrip().endswith(django_settings.CLINIC_NAME)
    assert subject.startswith(f"A message from {django_settings.CLINIC_NAME}")
    assert "warfarin" not in subject.lower() and "epidural" not in subject.lower()


def test_the_channel_is_decided_when_the_reminder_goes_out(clinic, patient, mail_dir, clock):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    assert reminders_of(appointment)[0].channel == "email"
    patient.preferred_channel = Patient.Channel.SMS
    patient.save(update_fields=["preferred_channel"])
    clock.move_to(TUESDAY_9)

    assert list(send_due().values()) == ["sent"]

    [reminder] = reminders_of(appointment)
    assert reminder.channel == "sms"
    [sms] = SentSms.objects.all()
    assert sms.idempotency_key == reminder.idempotency_key
    assert "Rosalind" in sms.body
    assert mail_files(mail_dir) == []


# --- 6. Failures ----------------------------------------------------------------------------------


@pytest.fixture
def mail_server_down(settings):
    """A real SMTP connection to a closed port: refused by the kernel, nothing simulated."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 1
    settings.EMAIL_TIMEOUT = 2
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False


def test_an_unreachable_mail_server_is_retried_with_growing_waits_then_the_reminder_fails(
    clinic, patient, mail_server_down, settings, clock
):
    settings.REMINDER_MAX_ATTEMPTS = 4
    base = dt.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS)
    book_case(clinic, patient=patient, start=THURSDAY_9)
    reminder = Reminder.objects.get(patient=patient)
    now = TUESDAY_9
    clock.move_to(now)

    for attempt, wait in ((1, base), (2, 2 * base), (3, 4 * base)):
        token, ids = claim_due(10)
        assert ids == [reminder.pk]
        assert send_one(reminder.pk, token) == "retry"
        reminder.refresh_from_db()
        assert reminder.status == ReminderStatus.PENDING
        assert reminder.attempts == attempt
        assert "ConnectionRefusedError" in reminder.last_error
        assert reminder.next_attempt_at == now + wait
        assert reminder.claim_token is None
        assert reminder.sent_at is None
        # Not before the wait is over.
        clock.move_to(now + wait - dt.timedelta(seconds=1))
        assert claim_due(10)[1] == []
        now = now + wait
        clock.move_to(now)

    token, ids = claim_due(10)
    assert send_one(reminder.pk, token) == "failed"
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.attempts == 4
    assert "ConnectionRefusedError" in reminder.last_error
    assert reminder.sent_at is None
    clock.move_to(now + dt.timedelta(days=1))
    assert claim_due(10)[1] == []  # failed is final


def test_a_retry_that_would_fall_in_quiet_hours_waits_until_they_end(
    clinic, patient, mail_server_down, clock
):
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    Reminder.objects.filter(appointment=appointment).delete()
    evening = local(2026, 11, 17, 19, 59)  # the retry would be at 20:00
    reminder = plan.add_reminder(appointment, "follow_up", evening)
    clock.move_to(evening)

    assert list(send_due().values()) == ["retry"]

    reminder.refresh_from_db()
    assert reminder.next_attempt_at == local(2026, 11, 18, 8, 0)
    clock.move_to(local(2026, 11, 17, 23, 0))
    assert claim_due(10)[1] == []
    clock.move_to(local(2026, 11, 18, 8, 0))
    assert claim_due(10)[1] == [reminder.pk]


def test_a_reminder_that_fails_on_its_last_attempt_is_never_reported_sent(
    clinic, patient, mail_server_down, settings, clock
):
    settings.REMINDER_MAX_ATTEMPTS = 1
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    assert list(send_due().values()) == ["failed"]
    assert not Reminder.objects.filter(status=ReminderStatus.SENT).exists()


def test_the_mail_server_coming_back_sends_the_retried_reminder_once(
    clinic, patient, mail_server_down, settings, tmp_path, clock
):
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)
    assert list(send_due().values()) == ["retry"]

    settings.EMAIL_BACKEND = KEYED_FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    clock.move_to(TUESDAY_9 + dt.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS))
    assert list(send_due().values()) == ["sent"]

    reminder = Reminder.objects.get(patient=patient)
    assert (reminder.status, reminder.attempts, reminder.last_error) == ("sent", 2, "")
    assert len(mail_files(tmp_path / "mail")) == 1


@pytest.mark.parametrize(
    ("channel", "missing", "error"),
    [("email", "email", "no email address"), ("sms", "phone", "no phone number")],
)
def test_a_patient_without_an_address_for_the_channel_fails_at_once(
    clinic, mail_dir, clock, channel, missing, error
):
    patient = PatientFactory(preferred_channel=channel, **{missing: ""})
    book_case(clinic, patient=patient, start=THURSDAY_9)
    clock.move_to(TUESDAY_9)

    assert list(send_due().values()) == ["failed"]

    reminder = Reminder.objects.get(patient=patient)
    assert reminder.status == ReminderStatus.FAILED
    assert reminder.attempts == 1
    assert error in reminder.last_error
    assert mail_files(mail_dir) == []
    assert not SentSms.objects.exists()


def test_managers_see_the_failed_reminders_with_the_error(
    clinic, mail_dir, clock, api_as, anon_api
):
    patient = PatientFactory(email="")
    appointment = book_case(clinic, patient=patient, start=THURSDAY_9)
    book_case(clinic, start=local(2026, 11, 20, 9, 0))  # still pending
    clock.move_to(TUESDAY_9)
    send_due()

    response = api_as("manager").get("/api/reminders/", {"status": "failed"})
    assert response.status_code == 200
    [row] = response.json()
    assert row["appointment"] == appointment.pk
    assert row["status"] == "failed"
    assert row["kind"] == "appointment"
    assert "no email address" in row["last_error"]
    assert {r["status"] for r in api_as("manager").get("/api/reminders/").json()} == {
        "failed",
        "pending",
    }

    for role in ("nurse", "scheduler", None):
        assert api_as(role).get("/api/reminders/", {"status": "failed"}).status_code == 403
    assert anon_api.get("/api/reminders/", {"status": "failed"}).status_code == 401
    assert api_as("manager").get("/api/reminders/", {"status": "bogus"}).status_code == 400
    assert len(api_as("manager").get("/api/reminders/", {"kind": "appointment"}).json()) == 2
    assert api_as("manager").get("/api/reminders/", {"kind": "follow_up"}).json() == []
    assert api_as("manager").get("/api/reminders/", {"kind": "bogus"}).status_code == 400


# --- 7. Two dispatchers at once -------------------------------------------------------------------


@pytest.mark.race
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_claiming_at_once_never_take_the_same_reminder(clock):
    clinic = make_small_clinic()
    appointments = [
        book_case(clinic, start=THURSDAY_9 + dt.timedelta(minutes=45 * i)) for i in range(4)
    ]
    for appointment in appointments:
        for hours in range(1, 9):
            plan.add_reminder(appointment, "follow_up", NOW + dt.timedelta(hours=hours))
        plan.add_reminder(appointment, "follow_up", local(2026, 11, 30, 9, 0))  # not due
    cancelled = plan.add_reminder(appointments[0], "follow_up", NOW)
    Reminder.objects.filter(pk=cancelled.pk).update(status=ReminderStatus.CANCELLED)
    clock.move_to(local(2026, 11, 18, 9, 0))
    due = set(
        Reminder.objects.filter(
            status="pending", next_attempt_at__lte=local(2026, 11, 18, 9, 0)
        ).values_list("pk", flat=True)
    )
    assert len(due) == 4 * 8 + 4

    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def dispatcher(slot: int) -> None:
        try:
            barrier.wait(timeout=30)
            while True:
                _, ids = claim_due(3)
                if not ids:
                    break
                claimed[slot].extend(ids)
        except BaseException as exc:  # reported on the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    every = claimed[0] + claimed[1]
    assert Counter(every).most_common(1)[0][1] == 1  # no row claimed twice
    assert set(every) == due
    tokens = Reminder.objects.filter(pk__in=due).values_list("claim_token", flat=True)
    assert None not in set(tokens)


def test_a_pain_diary_goes_when_the_case_is_completed_even_in_the_evening(clinic, patient, clock):
    # A late list: the block ends at 17:00 and is completed at 20:15, in the quiet hours.
    clock.move_to(local(2026, 11, 19, 7, 0))
    appointment = book_case(clinic, patient=patient, start=local(2026, 11, 19, 16, 30), code="MBB")
    work_through(appointment, clock, at=local(2026, 11, 19, 20, 15))

    diary = Reminder.objects.get(appointment=appointment, kind="pain_diary")
    assert diary.due_at == local(2026, 11, 19, 20, 15)
