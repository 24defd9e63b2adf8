"""A hand-made clinic Monday for the dashboard's tests (its table is in
tests/test_dashboard_measures.py, with the right answers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import time_machine

from clinic.models import Patient
from procedures.models import PsychEvaluation
from scheduling import services
from scheduling.models import Appointment, CancelCause
from tests.scheduling_helpers import SmallClinic, book_case, local

MONDAY = dt.date(2026, 3, 2)


@dataclass
class Monday:
    clinic: SmallClinic
    cases: dict[str, Appointment]


def _booked_at(moment: dt.datetime, clinic: SmallClinic, **place: object) -> Appointment:
    with time_machine.travel(moment, tick=False):
        return book_case(clinic, **place)  # type: ignore[arg-type]


def _done(case: Appointment, checked_in: dt.datetime, completed: dt.datetime) -> None:
    with time_machine.travel(checked_in, tick=False):
        services.appointment_check_in(
            appointment=case, acting_user=None, override_reason="Checked on paper"
        )
    with time_machine.travel(completed, tick=False):
        services.appointment_complete(appointment=case, acting_user=None)


def make_monday(clinic: SmallClinic) -> Monday:
    feb26 = local(2026, 2, 26, 10)
    chen, ortiz = clinic.chen, clinic.ortiz
    cases = {
        "A": _booked_at(feb26, clinic, start=local(2026, 3, 2, 9), provider=chen),
        "B": _booked_at(feb26, clinic, start=local(2026, 3, 2, 9, 45), provider=chen),
        "C": _booked_at(
            local(2026, 3, 2, 7),
            clinic,
            code="ESI_IL",
            start=local(2026, 3, 2, 10),
            provider=ortiz,
            room=clinic.suite2,
        ),
        "D": _booked_at(
            local(2026, 2, 1, 10),
            clinic,
            start=local(2026, 3, 2, 13),
            provider=ortiz,
            room=clinic.suite2,
        ),
        "E": _booked_at(
            feb26, clinic, start=local(2026, 3, 2, 15), provider=chen, room=clinic.suite2
        ),
        "F": _booked_at(
            feb26, clinic, start=local(2026, 3, 2, 14), provider=ortiz, room=clinic.suite1
        ),
    }
    _done(cases["A"], local(2026, 3, 2, 8, 55), local(2026, 3, 2, 9, 32))
    _done(cases["B"], local(2026, 3, 2, 9, 30), local(2026, 3, 2, 10, 25))
    _done(cases["C"], local(2026, 3, 2, 10, 5), local(2026, 3, 2, 10, 40))
    with time_machine.travel(local(2026, 3, 2, 13, 30), tick=False):
        services.appointment_no_show(appointment=cases["D"], acting_user=None)
    with time_machine.travel(local(2026, 3, 2, 8), tick=False):
        services.appointment_cancel(
            appointment=cases["E"],
            reason="Still on apixaban",
            acting_user=None,
            cause=CancelCause.HOLD_NOT_MET,
        )
    with time_machine.travel(local(2026, 2, 27, 9), tick=False):
        services.appointment_cancel(
            appointment=cases["F"],
            reason="Away",
            acting_user=None,
            cause=CancelCause.PATIENT_REQUEST,
        )
    return Monday(clinic, cases)


# Where the stimulator tests put their trials and implants.
THORACIC = {"region": "thoracic", "side": "bilateral"}


def trial_done(
    clinic: SmallClinic, patient: Patient, on: dt.date, relief: int, hour: int = 9
) -> Appointment:
    """A stimulator trial done here that day (psych clearance on file a month before), its
    relief recorded after the 7-day trial, as the implant rule requires."""
    PsychEvaluation.objects.get_or_create(
        patient=patient, performed_on=on - dt.timedelta(days=30), defaults={"cleared": True}
    )
    start = local(on.year, on.month, on.day, hour)
    with time_machine.travel(start - dt.timedelta(hours=1), tick=False):
        trial = book_case(clinic, patient=patient, start=start, code="SCS_TRIAL", **THORACIC)
    with time_machine.travel(start, tick=False):
        services.appointment_check_in(appointment=trial, acting_user=None, override_reason="Paper")
        services.appointment_complete(appointment=trial, acting_user=None)
    with time_machine.travel(start + dt.timedelta(days=8), tick=False):
        services.appointment_record_outcome(
            appointment=trial, acting_user=None, relief_percent=relief
        )
    return trial
