"""The dashboard's reminder delivery: counts by kind and channel, and the failures listed.

Reminders are written by booking and completing cases through the services and sent by the
outbox as the Celery task does (mail into a temporary folder, SMS into the development
store); a patient without an email address is a real, permanent failure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from clinic.models import Patient
from scheduling import services
from scheduling.dashboard.delivery import (
    reminder_delivery,
    reminder_failures,
)
from scheduling.dashboard.filters import Filters
from scheduling.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import PatientFactory, payer
from tests.reminder_helpers import KEYED_FILE_BACKEND, send_due, work_through
from tests.scheduling_helpers import SmallClinic, book_case, local

NOW = local(2026, 11, 16, 10, 0)  # a Monday
NOVEMBER = Filters(first=dt.date(2026, 11, 1), last=dt.date(2026, 11, 30))

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_BACKEND = KEYED_FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "sent-email")
    return tmp_path / "sent-email"


def texter(**fields: object) -> Patient:
    return PatientFactory(preferred_channel=Patient.Channel.SMS, **fields)


@pytest.fixture
def week(clinic: SmallClinic, mail_dir, clock):
    """A week of appointment reminders (each due 48 h before its case), sent on Tuesday 17
    November at 16:00, then one block done on Thursday:

    Dr. Chen, email: 3 sent (Thu 19 at 9, 10, 11), 1 failed (Nell, no address, Thu 19 at 14),
    1 pending (Fri 20 at 9, due Wed 18); SMS: 1 sent (Sam, Aetna, Thu 19 at 15), 1 pending
    (Fri 20 at 10); one case cancelled (its reminder withdrawn); one case in December.
    Dr. Ortiz, email: 1 sent (Thu 19 at 9). The block done at 9:00 on Thursday leaves a
    pending pain diary reminder.
    """
    first = book_case(clinic, start=local(2026, 11, 19, 9))
    for hour in (10, 11):
        book_case(clinic, start=local(2026, 11, 19, hour))
    nell = PatientFactory(first_name="Nell", last_name="Quill", email="", payer=payer("aetna"))
    book_case(clinic, patient=nell, start=local(2026, 11, 19, 14))
    book_case(clinic, start=local(2026, 11, 20, 9))
    book_case(
        clinic,
        patient=texter(first_name="Sam", payer=payer("aetna")),
        start=local(2026, 11, 19, 15),
    )
    book_case(clinic, patient=texter(), start=local(2026, 11, 20, 10))
    gone = book_case(clinic, start=local(2026, 11, 20, 11))
    services.appointment_cancel(appointment=gone, reason="Moved away", acting_user=None)
    book_case(clinic, start=local(2026, 12, 10, 9))  # reminded on 8 December
    book_case(clinic, start=local(2026, 11, 19, 9), provider=clinic.ortiz, room=clinic.suite2)

    clock.move_to(local(2026, 11, 17, 16))
    outcomes = sorted(send_due().values())
    assert outcomes == ["failed"] + ["sent"] * 5
    work_through(first, clock, at=local(2026, 11, 19, 9, 5))
    return nell


def counts(table) -> list[tuple]:
    return [
        (r["kind"], r["channel"], r["sent"], r["pending"], r["failed"], r["failed_percent"])
        for r in table.rows
    ]


def test_reminders_are_counted_by_kind_and_channel_with_a_total(week, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = reminder_delivery(NOVEMBER)

    assert counts(table) == [
        # 1 failed of the 5 decided (4 sent, 1 failed): 20%.
        ("Appointment", "Email", 4, 1, 1, 20.0),
        ("Appointment", "SMS", 1, 1, 0, 0.0),
        # Nothing decided yet: no share.
        ("Pain diary", "Email", 0, 1, 0, None),
        ("All reminders", "", 5, 3, 1, pytest.approx(100 / 6)),
    ]
    assert [r.get("total", False) for r in table.rows] == [False, False, False, True]
    assert table.notes == [
        "Not counted: 1 reminder withdrawn because the case moved, was cancelled or was done."
    ]
    assert table.slug == "reminder-delivery"
    assert "left out" in table.definition


def test_a_provider_filter_drops_the_other_providers_reminders(week, clinic):
    table = reminder_delivery(replace(NOVEMBER, provider_id=clinic.chen.pk))

    # Dr. Ortiz's one sent email is gone: 3 sent, 1 pending, 1 failed, 25% failed.
    assert counts(table)[0] == ("Appointment", "Email", 3, 1, 1, 25.0)
    assert counts(table)[-1] == ("All reminders", "", 4, 3, 1, 20.0)


def test_a_payer_filter_keeps_only_that_payers_patients(week):
    aetna = replace(NOVEMBER, payer_id=payer("aetna").pk)

    assert counts(reminder_delivery(aetna)) == [
        ("Appointment", "Email", 0, 0, 1, 100.0),
        ("Appointment", "SMS", 1, 0, 0, 0.0),
        ("All reminders", "", 1, 0, 1, 50.0),
    ]
    assert [r["patient"] for r in reminder_failures(aetna).rows] == ["Nell Quill"]
    medicaid = replace(NOVEMBER, payer_id=payer("medicaid").pk)
    assert reminder_failures(medicaid).rows == []


def test_reminders_due_outside_the_range_are_not_counted(week):
    december = reminder_delivery(Filters(dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
    assert counts(december) == [
        ("Appointment", "Email", 0, 1, 0, None),
        ("All reminders", "", 0, 1, 0, None),
    ]
    # 17 November only: the 6 sent or failed that Tuesday, none of Wednesday's pending.
    tuesday = reminder_delivery(Filters(dt.date(2026, 11, 17), dt.date(2026, 11, 17)))
    assert counts(tuesday)[-1] == ("All reminders", "", 5, 0, 1, pytest.approx(100 / 6))


def test_no_reminders_give_no_rows_and_say_so(db):
    table = reminder_delivery(NOVEMBER)
    assert table.rows == []
    assert not table.notes
    assert table.empty == "No reminders were due in this range."


def test_the_failure_is_listed_with_the_patient_link_and_the_error(week, django_assert_num_queries):
    with django_assert_num_queries(1):
        table = reminder_failures(NOVEMBER)

    [row] = table.rows
    assert row["patient"] == "Nell Quill"
    assert row["patient_url"] == f"/patients/{week.pk}/"
    assert row["mrn"] == week.mrn
    assert (row["kind"], row["channel"]) == ("Appointment", "Email")
    assert row["due"] == local(2026, 11, 17, 14)
    assert row["attempts"] == 1
    assert "no email address" in row["last_error"]
    assert not table.notes
    [link] = [c for c in table.columns if c.link_key]
    assert (link.key, link.link_key) == ("patient", "patient_url")
    header, line = table.csv().splitlines()
    assert header == "Patient,MRN,Kind,Channel,Due,Tries,Last error"
    assert line.startswith(f"Nell Quill,{week.mrn},Appointment,Email,2026-11-17T14:00:00-05:00,1,")


def test_a_provider_filter_drops_the_other_providers_failures(week, clinic):
    ortiz = replace(NOVEMBER, provider_id=clinic.ortiz.pk)
    assert reminder_failures(ortiz).rows == []
    assert reminder_failures(ortiz).empty == "No reminder failed in this range."


SHOWN = 50


def test_many_failures_show_the_latest_and_say_how_many_there_were(
    clinic, django_assert_num_queries
):
    case = book_case(clinic, start=local(2026, 11, 19, 9))
    first_due = local(2026, 11, 2, 8)
    Reminder.objects.bulk_create(
        Reminder(
            kind=ReminderKind.APPOINTMENT,
            appointment=case,
            patient=case.patient,
            channel="email",
            due_at=first_due + dt.timedelta(minutes=n),
            next_attempt_at=first_due + dt.timedelta(minutes=n),
            status=ReminderStatus.FAILED,
            attempts=5,
            last_error=f"refused {n}",
        )
        for n in range(SHOWN + 2)
    )

    with django_assert_num_queries(1):  # the rows shown, and how many there were, together
        table = reminder_failures(NOVEMBER, limit=SHOWN)

    assert len(table.rows) == SHOWN
    assert table.rows[0]["last_error"] == f"refused {SHOWN + 1}"
    assert table.rows[-1]["last_error"] == "refused 2"
    assert (table.count, table.rows_shown, table.rows_not_shown) == (SHOWN + 2, SHOWN, 2)
    # The export reads them all, and the counts are not bounded: every failure is in them.
    assert len(reminder_failures(NOVEMBER).rows) == SHOWN + 2
    assert counts(reminder_delivery(NOVEMBER))[0][4] == SHOWN + 2
