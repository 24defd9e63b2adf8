"""The hot queries of slot search, eligibility and booking read appointments through indexes.

Fifteen months of a busy clinic (31,200 appointments: twelve providers, each in a room of
their own, eight cases a weekday, and 2,500 patients with a dozen cases each) are written in
one INSERT ... SELECT and analysed. Then each path runs for real, its statements are
captured, and PostgreSQL's planner explains every one that reads the appointment table:
with real statistics it must choose an index, never a sequential scan. A real clinic's
years of history make an index only more attractive; this table is the harder case.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from clinic.models import Patient, Provider, Room
from procedures.models import ProcedureType
from scheduling import services
from scheduling.eligibility import appointment_sessions, require_eligible
from scheduling.models import Appointment, Status
from scheduling.slots import Slot, SlotQuery, find_slots
from tests.factories import PatientFactory, ProviderFactory, RoomFactory
from tests.scheduling_helpers import local, working_week

NOW = local(2027, 3, 1, 6)  # a Monday before the clinic opens

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.clock_at(NOW),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the planner's choices are PostgreSQL's"
    ),
]

TABLE = "scheduling_appointment"
PROVIDERS = 12  # each works in a room of their own, so no two rows clash
PATIENTS = 2_500
CASES_A_DAY = 8  # per provider: 30 minutes each, 15 of turnover, from 07:00
FIRST_DAY = NOW.date() - dt.timedelta(days=365)
LAST_DAY = NOW.date() + dt.timedelta(days=90)


@dataclass
class BusyClinic:
    providers: list[Provider]
    rooms: list[Room]
    patient: Patient  # one with a history, as most patients searched for have


# Every weekday of the range, each provider's eight cases in their own room. A row's number
# `n` spreads the patients (the twelve cases of one start have consecutive numbers, so never
# one patient twice), the procedures, regions and sides (hashed, so no pattern ties them to
# a patient or a provider) and the statuses: past cases mostly completed, future ones
# scheduled, one in 13 cancelled, one in 23 of the past missed. The rows are written in no
# order, as bookings arrive: the planner cannot count on a day's cases sharing pages.
FILL = f"""
INSERT INTO {TABLE} (
    patient_id, procedure_type_id, region, side, provider_id, room_id, levels,
    start, "end", room_busy_until, status, sedation, cancel_reason, cancel_cause,
    check_in_override_reason, attention, attention_sources, created_at, updated_at
)
SELECT
    (%(patients)s::bigint[])[1 + n %% cardinality(%(patients)s::bigint[])],
    (%(procedures)s::bigint[])[1 + abs(hashint4(n)) %% cardinality(%(procedures)s::bigint[])],
    (ARRAY['lumbar', 'cervical', 'lumbar', 'thoracic', 'sacral'])[1 + abs(hashint4(n + 1)) %% 5],
    (ARRAY['right', 'left', 'bilateral'])[1 + abs(hashint4(n + 2)) %% 3],
    (%(providers)s::bigint[])[1 + p],
    (%(rooms)s::bigint[])[1 + p],
    '[]'::jsonb,
    at, at + interval '30 minutes', at + interval '45 minutes',
    CASE
        WHEN n %% 13 = 0 THEN 'cancelled'
        WHEN at >= %(now)s THEN 'scheduled'
        WHEN n %% 23 = 5 THEN 'no_show'
        ELSE 'completed'
    END,
    false, '', '', '', '', '{{}}'::jsonb, at - interval '20 days', at
FROM (
    SELECT
        p,
        ((day::date + time '07:00' + k * interval '45 minutes') AT TIME ZONE %(zone)s) AS at,
        ((day::date - %(first)s::date) * %(cases)s + k) * %(providers_count)s + p AS n
    FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS day,
        generate_series(0, %(cases)s - 1) AS k,
        generate_series(0, %(providers_count)s - 1) AS p
    WHERE extract(isodow FROM day) < 6
) AS cases
ORDER BY hashint4(n)
"""


def fill_clinic() -> BusyClinic:
    providers = [ProviderFactory() for _ in range(PROVIDERS)]
    for provider in providers:
        working_week(provider, dt.time(7), dt.time(18))
    rooms = [RoomFactory(fluoroscopy=i < PROVIDERS - 2) for i in range(PROVIDERS)]
    patients = Patient.objects.bulk_create(
        PatientFactory.build(mrn=f"BUSY{n:06d}") for n in range(PATIENTS)
    )
    params = {
        "patients": [p.pk for p in patients],
        "procedures": list(ProcedureType.objects.order_by("pk").values_list("pk", flat=True)),
        "providers": [p.pk for p in providers],
        "rooms": [r.pk for r in rooms],
        "providers_count": PROVIDERS,
        "cases": CASES_A_DAY,
        "first": FIRST_DAY,
        "last": LAST_DAY,
        "now": NOW,
        "zone": settings.CLINIC_TIME_ZONE,
    }
    with connection.cursor() as cursor:
        cursor.execute(FILL, params)
        cursor.execute(f"ANALYZE {TABLE}")
    return BusyClinic(providers=providers, rooms=rooms, patient=patients[17])


@pytest.fixture(scope="module")
def busy_clinic(django_db_setup: None, django_db_blocker: Any) -> Iterator[BusyClinic]:
    """Built once for the module (the writing takes seconds) in a transaction rolled back
    after its last test; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield fill_clinic()
        transaction.set_rollback(True)


# --- Reading plans ---------------------------------------------------------------------------


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def explain(sql: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (row,) = cursor.fetchall()
    document = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return document[0]["Plan"]


def outline(plan: dict[str, Any], depth: int = 0) -> str:
    """A plan as indented lines: node, relation and index, for a failure message."""
    parts = [plan["Node Type"]]
    if "Relation Name" in plan:
        parts.append(f"on {plan['Relation Name']}")
    if "Index Name" in plan:
        parts.append(f"using {plan['Index Name']}")
    lines = ["  " * depth + " ".join(parts)]
    lines += [outline(child, depth + 1) for child in plan.get("Plans", [])]
    return "\n".join(lines)


def reads_appointments(sql: str) -> bool:
    verb = sql.lstrip()[:6].upper()
    return f'"{TABLE}"' in sql and verb in ("SELECT", "UPDATE", "DELETE", "WITH")


@dataclass
class Explained:
    sql: str
    plan: dict[str, Any]

    def scans(self) -> list[dict[str, Any]]:
        return [n for n in plan_nodes(self.plan) if n.get("Relation Name") == TABLE]

    def indexes(self) -> set[str]:
        """The appointment indexes the plan reads (a bitmap's index nodes name no relation)."""
        names = {n["Index Name"] for n in self.scans() if "Index Name" in n}
        for node in plan_nodes(self.plan):
            if node["Node Type"] == "Bitmap Heap Scan" and node.get("Relation Name") == TABLE:
                names |= {n["Index Name"] for n in plan_nodes(node) if "Index Name" in n}
        return names

    def problem(self) -> str | None:
        if any(n["Node Type"] == "Seq Scan" for n in self.scans()):
            return "reads the appointment table by a sequential scan"
        if not self.indexes() and self.scans():
            return "reads the appointment table without an index"
        return None

    def __str__(self) -> str:
        return f"{self.sql}\n{outline(self.plan)}"


def explained_reads(work: Callable[[], object]) -> list[Explained]:
    """Run `work`, then explain every statement it sent that reads appointments."""
    with CaptureQueriesContext(connection) as captured:
        work()
    statements = [q["sql"] for q in captured.captured_queries if reads_appointments(q["sql"])]
    return [Explained(sql, explain(sql)) for sql in statements]


def reads_busy_times(read: Explained) -> bool:
    """The busy-interval read (`BusyIndex.load`): the only one that filters on a room's
    turnover."""
    return f'"{TABLE}"."room_busy_until" >' in read.sql


def assert_indexed(work: Callable[[], object]) -> list[Explained]:
    reads = explained_reads(work)
    assert reads, "nothing read the appointment table"
    failures = [f"{problem}:\n{read}" for read in reads if (problem := read.problem())]
    assert not failures, "\n\n".join(failures)
    return reads


# --- The paths -------------------------------------------------------------------------------


def procedure(code: str) -> ProcedureType:
    return ProcedureType.objects.get(code=code)


def test_a_slot_search_for_a_patient_reads_their_cases_and_the_busy_times_by_index(busy_clinic):
    # Medial branch blocks, lumbar right: a case this patient's history allows today.
    query = SlotQuery(
        procedure_type=procedure("MBB"),
        after=NOW,
        limit=40,
        patient=busy_clinic.patient,
        region="lumbar",
        side="right",
    )
    found: list[Slot] = []

    reads = assert_indexed(lambda: found.extend(find_slots(query)))

    assert found, "no slot found: the search stopped before reading the busy times"
    assert any(reads_busy_times(read) for read in reads), "no busy times were read"


def test_a_month_long_slot_search_reads_every_chunk_of_busy_times_by_index(busy_clinic):
    # More slots than a month holds: the search reads the whole window, its chunks doubling
    # (today sixteen days of every provider's and room's cases at once, the widest read).
    query = SlotQuery(procedure_type=procedure("TPI"), after=NOW, limit=10_000, days=30)

    reads = assert_indexed(lambda: find_slots(query))

    assert any(reads_busy_times(read) for read in reads), "no busy times were read"


def test_the_rules_read_the_patient_s_cases_by_index(busy_clinic):
    patient = busy_clinic.patient
    moved = Appointment.objects.filter(patient=patient, start__gt=NOW).first()
    assert moved is not None

    def judge() -> None:
        require_eligible(
            patient=patient,
            procedure_type=procedure("MBB"),
            region="lumbar",
            side="right",
            day=NOW.date(),
        )
        # As a reschedule reads them: every case but the one being moved.
        appointment_sessions(patient.pk, exclude_appointment_id=moved.pk)

    assert_indexed(judge)


def test_booking_and_moving_a_case_check_overlaps_by_index(
    busy_clinic, django_capture_on_commit_callbacks
):
    patient = busy_clinic.patient
    start = local(2027, 3, 3, 15)  # after the day's cases, within the providers' hours
    booked: list[Appointment] = []

    def book() -> None:
        # After commit the patient's other booked cases are judged again: part of booking.
        with django_capture_on_commit_callbacks(execute=True):
            booked.append(
                services.appointment_book(
                    patient=patient,
                    procedure_type=procedure("MBB"),
                    region="lumbar",
                    side="right",
                    provider=busy_clinic.providers[0],
                    room=busy_clinic.rooms[0],
                    start=start,
                    acting_user=None,
                )
            )

    def move() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            services.appointment_reschedule(
                appointment=booked[0], start=start + dt.timedelta(hours=1), acting_user=None
            )

    assert_indexed(book)
    assert_indexed(move)

    booked[0].refresh_from_db()
    assert booked[0].status == Status.SCHEDULED
    assert booked[0].start == start + dt.timedelta(hours=1)
