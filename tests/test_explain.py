"""Why not this time: every reason, and no reason exactly when booking accepts the time.

The grid test asks, for every time on a busy day and every provider and room (active or
not, fit or not), both the explainer and booking's own checks (`check_place` and
`require_eligible`, which raise on the first refusal): the explainer must find no reason
exactly when booking accepts, and when booking refuses, a reason of the same kind.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine

from clinic.errors import DomainError
from clinic.models import Patient, Provider, Room
from procedures.models import ProcedureType
from scheduling import explain as why
from scheduling.eligibility import require_eligible
from scheduling.explain import Explanation, explain
from scheduling.models import ClinicDay, ProviderDayException, RoomClosure
from scheduling.services.booking import check_place
from tests.factories import PatientFactory, PatientMedicationFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic, working_week

MONDAY = local(2026, 11, 2, 9, 0)  # when the cases are booked
BUSY_DAY = dt.date(2026, 11, 4)  # a Wednesday
DURING = local(2026, 11, 4, 10, 10)  # when the questions are asked: earlier times have passed


def at(hour: int, minute: int = 0, day: dt.date = BUSY_DAY) -> dt.datetime:
    return local(day.year, day.month, day.day, hour, minute)


def ask(
    patient: Patient,
    procedure: ProcedureType,
    start: dt.datetime,
    providers: list[Provider],
    rooms: list[Room],
    side: str = "right",
) -> Explanation:
    return explain(
        patient=patient,
        procedure_type=procedure,
        region="lumbar",
        side=side,
        start=start,
        providers=providers,
        rooms=rooms,
    )


def booking_refusal(
    patient: Patient, procedure: ProcedureType, provider: Provider, room: Room, start: dt.datetime
) -> DomainError | None:
    """What booking says of this time, read-only: its first refusal, or None."""
    try:
        check_place(
            patient=patient, procedure_type=procedure, provider=provider, room=room, start=start
        )
        require_eligible(
            patient=patient,
            procedure_type=procedure,
            region="lumbar",
            side="right",
            day=BUSY_DAY,
        )
    except DomainError as refusal:
        return refusal
    return None


# The reason codes that explain each of booking's refusals.
OUTSIDE_HOURS = {
    why.CLINIC_CLOSED,
    why.OUTSIDE_CLINIC_HOURS,
    why.PROVIDER_INACTIVE,
    why.PROVIDER_NOT_WORKING,
    why.ROOM_CLOSED,
}
BUSY = {
    "patient": {why.PATIENT_BUSY},
    "provider": {why.PROVIDER_BUSY},
    "room": {why.ROOM_BUSY, why.ROOM_TURNOVER},
}


def matching_kind(refusal: DomainError, found: Explanation) -> bool:
    codes = {reason.code for reason in found.reasons}
    if refusal.code == "start_in_past":
        return why.PAST in codes
    if refusal.code == "room_unsuitable":
        return bool(codes & {why.ROOM_INACTIVE, why.ROOM_UNSUITABLE})
    if refusal.code == "outside_hours":
        return bool(codes & OUTSIDE_HOURS)
    if refusal.code == "slot_unavailable":
        return bool(codes & BUSY[refusal.extra["resource"]])
    if refusal.code == "not_eligible":
        violations = {v["code"] for v in refusal.violations or []}
        return violations == {r.code for r in found.reasons if r.rule}
    return False


@pytest.fixture
def busy_day(db):
    """Wednesday: cases in every room, a split shift, a room closure, retired staff and rooms."""
    with time_machine.travel(MONDAY, tick=False):
        clinic = make_small_clinic()
        patient = PatientFactory(first_name="Paula", last_name="Grid")
        PatientMedicationFactory(patient=patient)  # warfarin: epidurals need five days off
        book_case(clinic, start=at(9), code="MBB")
        book_case(clinic, start=at(9, 45), code="ESI_IL", provider=clinic.ortiz)
        book_case(clinic, start=at(13), code="SI_DIAG", room=clinic.suite2)
        book_case(clinic, start=at(10, 30), code="ESI_IL", provider=clinic.ortiz)
        book_case(
            clinic,
            patient=patient,
            start=at(11, 15),
            code="TPI",
            provider=clinic.ortiz,
            room=clinic.exam,
        )
        book_case(clinic, start=at(15, 0), code="TPI", provider=clinic.ortiz, room=clinic.exam)
    for start, end in ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(16))):
        ProviderDayException.objects.create(
            provider=clinic.chen, date=BUSY_DAY, start_time=start, end_time=end, reason="teaching"
        )
    RoomClosure.objects.create(
        room=clinic.suite2, starts_at=at(14, 30), ends_at=at(15, 30), reason="C-arm service"
    )
    retired = ProviderFactory(name="Dr. Retired", active=False)
    working_week(retired, dt.time(8), dt.time(17))
    closed_room = RoomFactory(name="Old suite", active=False)
    with time_machine.travel(DURING, tick=False):
        yield (
            clinic,
            patient,
            [clinic.chen, clinic.ortiz, retired],
            [
                clinic.suite1,
                clinic.suite2,
                clinic.exam,
                closed_room,
            ],
        )


def grid_times(step_minutes: int = 15) -> list[dt.datetime]:
    """From before the clinic opens (07:00) to its closing (19:00), with times off the grid
    beside the cases' edges, where turnover and split shifts bite."""
    steps = (12 * 60 + 15) // step_minutes + 1
    regular = [at(6, 45) + dt.timedelta(minutes=step_minutes * k) for k in range(steps)]
    off_grid = [at(9, 10), at(10, 5), at(10, 25), at(11, 50), at(12, 50), at(14, 20), at(16, 35)]
    return sorted(set(regular + off_grid))


# The procedure, how finely the day is walked (minutes), and whether the retired provider and
# the room out of use are asked about too. A fluoroscopic block on the finest grid; the rest
# coarser, to keep the test under a minute on a laptop.
GRIDS = {
    "MBB every quarter hour": ("MBB", 15, False),
    "TPI in an exam room or a suite, every half hour": ("TPI", 30, False),
    "an epidural the hold forbids that day, every hour": ("ESI_IL", 60, False),
    "retired provider and unused room, every hour": ("MBB", 60, True),
}


@pytest.mark.parametrize(("code", "step", "retired"), GRIDS.values(), ids=GRIDS.keys())
def test_on_a_busy_day_explain_finds_no_reason_exactly_when_booking_accepts(
    busy_day, code, step, retired
):
    clinic, patient, providers, rooms = busy_day
    if not retired:
        providers, rooms = providers[:2], rooms[:3]
    procedure = clinic.procedure(code)
    disagreements, accepted, refused = [], 0, 0
    for start, provider, room in itertools.product(grid_times(step), providers, rooms):
        if retired and provider.active and room.active:
            continue  # the other grids walk these
        refusal = booking_refusal(patient, procedure, provider, room, start)
        found = ask(patient, procedure, start, [provider], [room])
        where = f"{code} {start:%H:%M} {provider.name} {room.name}"
        if refusal is None:
            accepted += 1
            if not found.allowed:
                disagreements.append(f"{where}: booking accepts, explain says {found.reasons}")
        else:
            refused += 1
            if found.allowed:
                disagreements.append(f"{where}: booking refuses ({refusal.detail}), explain agrees")
            elif not matching_kind(refusal, found):
                disagreements.append(
                    f"{where}: booking says {refusal.code} ({refusal.detail}), explain "
                    f"{[r.code for r in found.reasons]}"
                )
    assert disagreements == []
    # The grid is worth something only if it holds both answers (no epidural before the 10th,
    # and nothing with the retired provider or in the unused room).
    assert refused > 0
    assert accepted > 0 or code == "ESI_IL" or retired


def test_several_providers_and_rooms_are_free_together_only_when_one_of_each_is(busy_day):
    clinic, patient, providers, rooms = busy_day
    mbb = clinic.procedure("MBB")
    # Before opening, in the patient's case, across the split shift, in turnovers, at closing.
    times = [at(6, 45), at(9), at(10, 30), at(11, 15), at(12, 30), at(13), at(14, 45), at(18, 45)]
    for start in times:
        together = ask(patient, mbb, start, providers, rooms)
        one_by_one = [
            ask(patient, mbb, start, [provider], [room]).allowed
            for provider, room in itertools.product(providers, rooms)
        ]
        assert together.allowed == any(one_by_one), start


# --- The words --------------------------------------------------------------------------------


def test_every_reason_is_listed_not_only_the_first(busy_day):
    clinic, patient, _, _ = busy_day
    # Dr. Chen in Suite 2 at 12:30 for an epidural: he is off from noon to 13:00, the room's
    # 13:00 case leaves no time for turnover, and warfarin needs five days off.
    found = ask(patient, clinic.procedure("ESI_IL"), at(12, 30), [clinic.chen], [clinic.suite2])
    assert [(r.code, r.text) for r in found.reasons] == [
        (
            "anticoagulant_hold_too_short",
            "Warfarin is held 5 days before an intermediate-risk procedure: the last dose would "
            "have been on 2026-10-29, which has passed. The earliest date is 2026-11-10.",
        ),
        (
            why.PROVIDER_NOT_WORKING,
            "Dr. Chen works 08:00-12:00 and 13:00-16:00 on Wed 04 Nov 2026 (teaching); "
            "a case 12:30-13:00 falls outside those hours.",
        ),
        (
            why.ROOM_TURNOVER,
            "Suite 2 needs 15 minutes of turnover after this case, and the next case there "
            "starts at 13:00.",
        ),
    ]
    assert found.reasons[0].eligible_from == dt.date(2026, 11, 10)
    assert found.rules_allow_from == dt.date(2026, 11, 10)


def test_a_time_already_passed_and_a_busy_provider_patient_and_room_are_all_named(busy_day):
    clinic, patient, _, _ = busy_day
    found = ask(patient, clinic.procedure("TPI"), at(9, 0), [clinic.chen], [clinic.exam])
    texts = [r.text for r in found.reasons]
    assert texts[0] == "Wed 04 Nov 2026 09:00 has already passed."
    assert "Dr. Chen is busy with another case 09:00-09:30." in texts

    later = ask(patient, clinic.procedure("TPI"), at(11, 15), [clinic.ortiz], [clinic.exam])
    assert [r.text for r in later.reasons] == [
        "Paula Grid already has a case 11:15-11:30 on Wed 04 Nov 2026.",
        "Dr. Ortiz is busy with another case 11:15-11:30.",
        "Exam 1 is in use 11:15-11:30 for another case (free again at 11:45, turnover included).",
    ]


def test_a_room_closure_an_unfit_room_and_a_retired_provider_are_named(busy_day):
    clinic, patient, providers, rooms = busy_day
    retired, old_suite = providers[2], rooms[3]
    found = ask(
        patient,
        clinic.procedure("MBB"),
        at(14, 45),
        [retired],
        [clinic.suite2, clinic.exam, old_suite],
    )
    assert [r.text for r in found.providers[0].reasons] == ["Dr. Retired no longer takes cases."]
    assert [r.text for r in found.rooms[0].reasons] == [
        "Suite 2 is closed 14:30-15:30 (C-arm service)."
    ]
    assert [r.text for r in found.rooms[1].reasons] == [
        "Exam 1 cannot host Medial branch block (diagnostic): it needs a fluoroscopy suite.",
        "Exam 1 is in use 15:00-15:15 for another case (free again at 15:30, turnover included).",
    ]
    assert [r.text for r in found.rooms[2].reasons] == ["Old suite is not in use."]


def test_a_case_running_past_closing_names_the_clinics_hours(busy_day):
    clinic, patient, _, _ = busy_day
    found = ask(patient, clinic.procedure("MBB"), at(18, 45), [clinic.ortiz], [clinic.suite1])
    assert [r.text for r in found.reasons] == [
        "The clinic's rooms are open 07:00-19:00 on Wed 04 Nov 2026; "
        "a case 18:45-19:15 runs outside those hours.",
        "Dr. Ortiz works 08:00-17:00 on Wed 04 Nov 2026; "
        "a case 18:45-19:15 falls outside those hours.",
    ]


def test_a_closed_day_gives_its_name(busy_day):
    clinic, patient, _, _ = busy_day
    ClinicDay.objects.create(date=dt.date(2026, 11, 5), closed=True, name="Snow day")
    found = ask(
        patient,
        clinic.procedure("MBB"),
        at(10, 0, dt.date(2026, 11, 5)),
        [clinic.chen],
        [clinic.suite1],
    )
    assert [r.text for r in found.reasons] == [
        "The clinic is closed on Thu 05 Nov 2026 (Snow day)."
    ]


def test_a_free_time_has_no_reason_and_names_who_and_where(busy_day):
    clinic, patient, providers, rooms = busy_day
    found = ask(patient, clinic.procedure("MBB"), at(13, 30), providers, rooms)
    assert found.allowed and found.common == ()
    assert found.free_provider == clinic.chen and found.free_room == clinic.suite1
