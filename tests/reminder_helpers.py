"""Building blocks for reminder tests: cases through the real services, the outbox, the mail.

Cases are booked, checked in and completed by `scheduling.services`; reminders are claimed
and sent by `scheduling.reminders.outbox`, as the Celery tasks would. Mail lands as files in
the folder the `keyed_mail` fixture of the test module points EMAIL_FILE_PATH at.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path
from typing import Any

from procedures.models import ProcedureHistory, ProcedureType, PsychEvaluation
from scheduling import services
from scheduling.models import Appointment, Reminder
from scheduling.reminders import outbox
from tests.scheduling_helpers import SmallClinic, book_case, local

KEYED_FILE_BACKEND = "scheduling.reminders.mail.KeyedFileBackend"


def work_through(appointment: Appointment, traveller: Any, *, at: dt.datetime) -> Appointment:
    """The day of the case: check in (with a nurse's override: the checklist is not the point
    here) and complete."""
    traveller.move_to(at)
    services.appointment_check_in(
        appointment=appointment, acting_user=None, override_reason="Checked on the phone"
    )
    return services.appointment_complete(appointment=appointment, acting_user=None)


def blocks_for_ablation(patient: Any) -> None:
    """Two positive medial branch blocks, lumbar right, on different days: RFA may be booked."""
    for day, relief in ((dt.date(2026, 10, 1), 85), (dt.date(2026, 10, 15), 90)):
        ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=ProcedureType.objects.get(code="MBB"),
            region="lumbar",
            side="right",
            performed_on=day,
            relief_percent=relief,
        )


def sacroiliac_block(patient: Any) -> None:
    """A positive diagnostic SI block, lumbar/sacral right: an SI joint injection may follow."""
    ProcedureHistory.objects.create(
        patient=patient,
        procedure_type=ProcedureType.objects.get(code="SI_DIAG"),
        region="sacral",
        side="right",
        performed_on=dt.date(2026, 10, 1),
        relief_percent=80,
    )


def psych_clearance(patient: Any) -> None:
    PsychEvaluation.objects.create(patient=patient, performed_on=dt.date(2026, 10, 1), cleared=True)


def trial_done(clinic: SmallClinic, patient: Any, traveller: Any) -> None:
    """A stimulator trial done here on Mon 2 Nov 2026, relief 60% recorded after it ended.

    History entered by hand cannot stand in: its relief counts as recorded on the day of
    the trial, before the trial ended. Leaves the clock where it found it.
    """
    back_to = dt.datetime.now(tz=dt.UTC)
    psych_clearance(patient)
    traveller.move_to(local(2026, 10, 30, 10, 0))
    trial = book_case(clinic, patient=patient, start=local(2026, 11, 2, 9, 0), code="SCS_TRIAL")
    work_through(trial, traveller, at=local(2026, 11, 2, 10, 5))
    traveller.move_to(local(2026, 11, 10, 10, 0))
    services.appointment_record_outcome(appointment=trial, acting_user=None, relief_percent=60)
    traveller.move_to(back_to)


def send_due(limit: int = 100) -> dict[int, str]:
    """One dispatch, done in-process: claim what is due and send each claimed row."""
    token, ids = outbox.claim_due(limit)
    return {reminder_id: outbox.send_one(reminder_id, token) for reminder_id in ids}


def mail_files(folder: Path) -> list[Path]:
    """Every delivered message, duplicates (`<key>.duplicate-*.eml`) included."""
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def everything_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def mail_text(path: Path) -> tuple[str, str, str]:
    """(to, subject, plain-text body) of a delivered message, decoded."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(message["To"]), str(message["Subject"]), body.get_content()


def reminders_of(appointment: Appointment, **filters: Any) -> list[Reminder]:
    return list(
        Reminder.objects.filter(appointment=appointment, **filters).order_by("due_at", "id")
    )
