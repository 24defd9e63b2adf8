"""Slot search: working hours, closures, rooms, turnover, the patient, DST and the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from scheduling.availability import Busy, Timeline
from scheduling.models import ClinicDay, ClinicHours, ProviderDayException, RoomClosure
from scheduling.slots import SlotQuery, ceil_to_grid, find_slots
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local, make_small_clinic, working_week

UTC = dt.UTC
# A Wednesday; the following Monday is 2026-11-23 and Thanksgiving is Thursday 2026-11-26.
NOW = local(2026, 11, 18, 10, 0)

pytestmark = pytest.mark.clock_at(NOW)


# --- Pure pieces -------------------------------------------------------------------------------


def test_the_grid_rounds_up_to_the_next_quarter_hour():
    assert ceil_to_grid(dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) == dt.datetime(
        2026, 1, 5, 9, 0, tzinfo=UTC
    )
    assert ceil_to_grid(dt.datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)) == dt.datetime(
        2026, 1, 5, 9, 15, tzinfo=UTC
    )
    assert ceil_to_grid(dt.datetime(2026, 1, 5, 9, 44, 59, 1, tzinfo=UTC)) == dt.datetime(
        2026, 1, 5, 9, 45, tzinfo=UTC
    )


def _t(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, 5, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "end", "free"),
    [
        (_t(8), _t(9), True),  # ends exactly when the first booking starts
        (_t(8), _t(9, 1), False),
        (_t(9, 30), _t(10), False),  # inside
        (_t(10), _t(10, 30), True),  # starts exactly when it ends
        (_t(11), _t(12), False),  # inside the long one that started earlier
        (_t(13), _t(14), True),
    ],
)
def test_a_timeline_answers_overlaps_at_the_edges(start, end, free):
    timeline = Timeline.build(
        [Busy(_t(9), _t(10), 1), Busy(_t(10, 30), _t(12, 30), 2), Busy(_t(11), _t(11, 15), 3)]
    )
    assert (timeline.overlap(start, end) is None) is free


# --- Search ------------------------------------------------------------------------------------


def test_slots_start_at_the_next_working_time_on_the_grid_earliest_first(clinic):
    slots = find_slots(SlotQuery(procedure_type=clinic.procedure("MBB"), after=NOW, limit=6))
    starts = [s.start for s in slots]
    assert starts == sorted(starts)
    assert starts[0] == local(2026, 11, 18, 10, 0)
    assert {s.room for s in slots} <= {clinic.suite1, clinic.suite2}
    assert all((s.end - s.start) == dt.timedelta(minutes=30) for s in slots)


def test_a_procedure_without_fluoroscopy_goes_to_the_exam_room_first(clinic):
    slots = find_slots(SlotQuery(procedure_type=clinic.procedure("TPI"), after=NOW, limit=1))
    assert slots[0].room == clinic.exam


def test_slots_skip_a_public_holiday_and_a_closure_the_manager_added(clinic):
    ClinicDay.objects.create(date=dt.date(2026, 11, 27), closed=True, name="Staff training")
    after = local(2026, 11, 25, 16, 30)
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("MBB"), after=after, limit=1, provider=clinic.chen
        )
    )
    # 16:30-17:00 on Wednesday, then Thanksgiving and the training day are skipped.
    assert slots[0].start == local(2026, 11, 25, 16, 30)
    later = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("MBB"),
            after=local(2026, 11, 25, 16, 45),
            limit=1,
            provider=clinic.chen,
        )
    )
    assert later[0].start == local(2026, 11, 30, 8, 0)


def test_the_clinic_can_open_on_a_public_holiday(clinic):
    ClinicDay.objects.create(date=dt.date(2026, 11, 26), closed=False, name="Open as usual")
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("MBB"),
            after=local(2026, 11, 26, 0, 0),
            limit=1,
            provider=clinic.chen,
        )
    )
    assert slots[0].start == local(2026, 11, 26, 8, 0)


def test_a_vacation_day_and_a_half_day_replace_the_weekly_hours(clinic):
    ProviderDayException.objects.create(provider=clinic.chen, date=dt.date(2026, 11, 19))
    ProviderDayException.objects.create(
        provider=clinic.chen,
        date=dt.date(2026, 11, 20),
        start_time=dt.time(13, 0),
        end_time=dt.time(15, 0),
        reason="Half day",
    )
    query = SlotQuery(
        procedure_type=clinic.procedure("RFA"),
        after=local(2026, 11, 19, 0, 0),
        limit=50,
        provider=clinic.chen,
    )
    slots = find_slots(query)
    assert all(
        s.start.astimezone(local(2026, 1, 1).tzinfo).date() != dt.date(2026, 11, 19) for s in slots
    )
    friday = [s for s in slots if s.start.date() == dt.date(2026, 11, 20)]
    assert friday[0].start == local(2026, 11, 20, 13, 0)
    assert friday[-1].end == local(2026, 11, 20, 15, 0)


def test_a_booked_room_is_kept_free_for_turnover_and_a_booked_provider_is_skipped(clinic):
    patient = PatientFactory()
    book_case(
        clinic,
        patient=patient,
        start=local(2026, 11, 19, 8, 0),
        room=clinic.suite1,
        provider=clinic.chen,
    )
    query = SlotQuery(
        procedure_type=clinic.procedure("MBB"),
        after=local(2026, 11, 19, 8, 0),
        limit=20,
        room=clinic.suite1,
    )
    slots = find_slots(query)
    # Dr. Ortiz can start at 08:45 in Suite 1 (08:30 end + 15 minutes turnover), not before.
    assert slots[0].start == local(2026, 11, 19, 8, 45)


def test_with_a_patient_slots_avoid_the_patients_other_case(clinic):
    patient = PatientFactory()
    book_case(
        clinic,
        patient=patient,
        start=local(2026, 11, 19, 8, 0),
        room=clinic.suite1,
        provider=clinic.chen,
    )
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("MBB"),
            after=local(2026, 11, 19, 8, 0),
            limit=1,
            patient=patient,
            provider=clinic.ortiz,
        )
    )
    assert slots[0].start == local(2026, 11, 19, 8, 30)
    without_patient = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("MBB"),
            after=local(2026, 11, 19, 8, 0),
            limit=1,
            provider=clinic.ortiz,
        )
    )
    assert without_patient[0].start == local(2026, 11, 19, 8, 0)


def test_a_case_being_moved_neither_blocks_its_own_time_nor_counts_against_itself(clinic):
    patient = PatientFactory()
    case = book_case(clinic, patient=patient, start=local(2026, 11, 19, 8, 0))
    query = {
        "procedure_type": clinic.procedure("MBB"),
        "limit": 1,
        "patient": patient,
        "region": "lumbar",
        "side": "right",
        "provider": clinic.chen,
        "room": clinic.suite1,
    }
    same_day = {**query, "after": local(2026, 11, 19, 8, 0)}
    next_day = {**query, "after": local(2026, 11, 20, 8, 0)}

    # Counted, the case keeps its own time (and the room's turnover) busy, and as a first
    # block without relief it refuses any later block.
    assert find_slots(SlotQuery(**same_day))[0].start == local(2026, 11, 19, 8, 45)
    assert find_slots(SlotQuery(**next_day)) == []

    moved_same_day = find_slots(SlotQuery(**same_day, exclude_appointment_id=case.pk))
    moved_next_day = find_slots(SlotQuery(**next_day, exclude_appointment_id=case.pk))

    assert moved_same_day[0].start == local(2026, 11, 19, 8, 0)
    assert moved_next_day[0].start == local(2026, 11, 20, 8, 0)


def test_a_room_closure_removes_its_hours(clinic):
    RoomClosure.objects.create(
        room=clinic.exam, starts_at=local(2026, 11, 19, 0), ends_at=local(2026, 11, 19, 12)
    )
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("TPI"),
            after=local(2026, 11, 19, 8),
            limit=1,
            room=clinic.exam,
        )
    )
    assert slots[0].start == local(2026, 11, 19, 12, 0)


def test_every_offered_slot_books(clinic):
    patient = PatientFactory()
    book_case(clinic, patient=patient, start=local(2026, 11, 19, 9, 0))
    slots = find_slots(
        SlotQuery(
            procedure_type=clinic.procedure("KYPHOPLASTY"), after=local(2026, 11, 19, 8), limit=12
        )
    )
    assert len(slots) == 12
    for slot in slots:
        # Each offer stands on its own: book it, check, and undo before trying the next.
        with transaction.atomic():
            appointment = book_case(
                clinic, start=slot.start, code="KYPHOPLASTY", provider=slot.provider, room=slot.room
            )
            assert (appointment.start, appointment.room) == (slot.start, slot.room)
            transaction.set_rollback(True)


def test_a_search_reads_a_month_in_a_handful_of_queries(clinic):
    patient = PatientFactory()
    for day in range(19, 30):
        if local(2026, 11, day).weekday() < 5 and day != 26:
            book_case(clinic, start=local(2026, 11, day, 8, 0))
    mbb = clinic.procedure("MBB")
    with CaptureQueriesContext(connection) as queries:
        slots = find_slots(
            SlotQuery(
                procedure_type=mbb,
                after=NOW,
                limit=100,
                days=30,
                patient=patient,
            )
        )
    assert len(slots) == 100
    # Seven reads of hours and closures, then busy intervals in doubling chunks of days
    # (1, 2, 4, 8...): never one query per candidate time or per booked case.
    busy_reads = [q for q in queries.captured_queries if "scheduling_appointment" in q["sql"]]
    assert len(queries) - len(busy_reads) <= 7
    assert 1 <= len(busy_reads) <= 5


# --- Days the clocks change ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours_in_day", "eight_am_utc"),
    [
        (dt.date(2026, 3, 8), 23, dt.datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        (dt.date(2026, 11, 1), 25, dt.datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
    ],
)
def test_a_day_when_the_clocks_change_has_its_real_length_in_slots(
    db, day, hours_in_day, eight_am_utc
):
    with time_machine.travel(local(2026, 1, 2, 9), tick=False):
        clinic = make_small_clinic()
        ClinicHours.objects.create(weekday=6, start_time=dt.time(0), end_time=dt.time(23, 59))
        working_week(clinic.chen, dt.time(0), dt.time(23, 45), days=range(6, 7))
        ClinicDay.objects.create(date=day, closed=False)
        slots = find_slots(
            SlotQuery(
                procedure_type=clinic.procedure("TPI"),
                after=local(day.year, day.month, day.day),
                limit=200,
                days=1,
                provider=clinic.chen,
                room=clinic.exam,
            )
        )
    on_day = [s for s in slots if s.start.astimezone(local(2026, 1, 1).tzinfo).date() == day]
    # Quarter hours from 00:00 to 23:30 on the clock: 95 on a normal day, 4 fewer or more.
    assert len(on_day) == 95 + (hours_in_day - 24) * 4
    eight = [s for s in on_day if s.start.astimezone(local(2026, 1, 1).tzinfo).hour == 8]
    assert eight[0].start == eight_am_utc
    assert len({s.start for s in on_day}) == len(on_day)


# --- The API -----------------------------------------------------------------------------------


def test_the_slot_api_answers_a_scheduler_with_the_contract_fields(clinic, scheduler_api):
    response = scheduler_api.get(
        "/api/slots/", {"procedure_type": "MBB", "after": "2026-11-19T08:00:00-05:00", "limit": 3}
    )
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 3
    assert set(rows[0]) >= {"start", "end", "provider", "room"}
    assert dt.datetime.fromisoformat(rows[0]["start"]) == local(2026, 11, 19, 8, 0)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"procedure_type": "NOPE"},
        {"procedure_type": "MBB", "limit": 0},
        {"procedure_type": "MBB", "limit": 1000},
        {"procedure_type": "MBB", "after": "tomorrow"},
        {"procedure_type": "MBB", "patient": 999999},
        {"procedure_type": "MBB", "region": "elbow"},
        {"procedure_type": "MBB", "days": 0},
    ],
)
def test_bad_slot_queries_get_a_clear_400(clinic, scheduler_api, params):
    response = scheduler_api.get("/api/slots/", params)
    assert response.status_code == 400, response.content


def test_an_exam_room_asked_for_a_fluoroscopy_case_is_refused_as_unsuitable(clinic, scheduler_api):
    response = scheduler_api.get("/api/slots/", {"procedure_type": "MBB", "room": clinic.exam.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "room_unsuitable"


def test_slot_search_needs_a_signed_in_clinic_role(clinic, anon_api, api_as):
    assert anon_api.get("/api/slots/", {"procedure_type": "MBB"}).status_code == 401
    assert api_as(None).get("/api/slots/", {"procedure_type": "MBB"}).status_code == 403
