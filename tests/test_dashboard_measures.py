"""The dashboard's case measures against one hand-made Monday whose right answers are known.

Monday 2 March 2026, clinic open 07:00-19:00 (720 minutes a room), Dr. Chen and Dr. Ortiz
working 08:00-17:00 (540 minutes each), rooms turning over in 15 minutes:

| case | what                       | booked on | became                                     |
| ---- | -------------------------- | --------- | ------------------------------------------ |
| A    | MBB, Chen, Suite 1, 09:00  | 26 Feb    | checked in 08:55, done 09:32               |
| B    | MBB, Chen, Suite 1, 09:45  | 26 Feb    | after A; checked in 09:30, done 10:25      |
| C    | ESI, Ortiz, Suite 2, 10:00 | 2 Mar     | checked in 10:05 (late), done 10:40        |
| D    | MBB, Ortiz, Suite 2, 13:00 | 1 Feb     | no-show                                    |
| E    | MBB, Chen, Suite 2, 15:00  | 26 Feb    | cancelled on the day: hold not met         |
| F    | MBB, Ortiz, Suite 1, 14:00 | 26 Feb    | cancelled on 27 Feb: patient's request     |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import time_machine

from clinic.models import Payer
from scheduling.dashboard.access import access
from scheduling.dashboard.cancellations import cancellations_by_cause, no_shows_by_lead_time
from scheduling.dashboard.cases import first_case_on_time, turnover, volume_by_procedure
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.tables import Table
from scheduling.dashboard.utilisation import utilisation
from scheduling.models import ProviderDayException
from tests.dashboard_helpers import MONDAY, Monday, make_monday
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, local

THE_DAY = Filters(first=MONDAY, last=MONDAY)

pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 3, 3, 12))]


@pytest.fixture
def monday(clinic: SmallClinic, clock: time_machine.Traveller) -> Monday:
    return make_monday(clinic)


def rows_by_name(table: Table) -> dict[str, dict[str, object]]:
    return {str(row["name"]): row for row in table.rows}


def test_utilisation_counts_booked_minutes_with_turnover_over_open_minutes(
    monday: Monday,
) -> None:
    result = utilisation(THE_DAY)
    rooms = {row["id"]: row for row in result.by_room.rows}
    suite1, suite2, exam = monday.clinic.suite1, monday.clinic.suite2, monday.clinic.exam
    # A and B: 30 minutes each plus 15 of turnover = 90 of 720 open minutes.
    assert rooms[suite1.pk]["booked_hours"] == 1.5
    assert rooms[suite1.pk]["open_hours"] == 12.0
    assert rooms[suite1.pk]["percent"] == 12.5
    # C only (the no-show and the cancelled case do not count): 45 of 720.
    assert rooms[suite2.pk]["percent"] == pytest.approx(6.2, abs=0.1)
    assert rooms[exam.pk]["percent"] == 0
    providers = {row["id"]: row for row in result.by_provider.rows}
    assert providers[monday.clinic.chen.pk]["percent"] == pytest.approx(16.7)  # 90 of 540
    assert providers[monday.clinic.ortiz.pk]["percent"] == pytest.approx(8.3)  # 45 of 540
    (day,) = result.by_day.rows
    assert day["day"] == MONDAY
    assert day["open_hours"] == 36.0  # three rooms
    assert day["percent"] == pytest.approx(6.2, abs=0.1)  # 135 of 2160


def test_utilisation_leaves_out_closed_days_and_room_closures(monday: Monday) -> None:
    week = Filters(first=dt.date(2026, 2, 28), last=MONDAY)  # Saturday to Monday
    result = utilisation(week)
    assert [row["day"] for row in result.by_day.rows] == [MONDAY]
    from scheduling.models import RoomClosure

    RoomClosure.objects.create(
        room=monday.clinic.suite1, starts_at=local(2026, 3, 2, 13), ends_at=local(2026, 3, 2, 19)
    )
    rooms = {row["id"]: row for row in utilisation(THE_DAY).by_room.rows}
    assert rooms[monday.clinic.suite1.pk]["open_hours"] == 6.0
    assert rooms[monday.clinic.suite1.pk]["percent"] == 25.0


def test_volume_counts_each_procedure_by_outcome(monday: Monday) -> None:
    rows = rows_by_name(volume_by_procedure(THE_DAY))
    mbb = rows[monday.clinic.procedure("MBB").name]
    assert (mbb["done"], mbb["booked"], mbb["cancelled"], mbb["no_show"], mbb["total"]) == (
        2,
        0,
        2,
        1,
        5,
    )
    esi = rows[monday.clinic.procedure("ESI_IL").name]
    assert (esi["done"], esi["total"]) == (1, 1)
    # Most cases first.
    assert volume_by_procedure(THE_DAY).rows[0]["name"] == monday.clinic.procedure("MBB").name


def test_first_case_is_on_time_when_checked_in_by_its_start(monday: Monday) -> None:
    rows = rows_by_name(first_case_on_time(THE_DAY))
    assert (rows["Suite 1"]["days"], rows["Suite 1"]["on_time"]) == (1, 1)  # A at 08:55
    # Suite 2's first case that took place is C, checked in 5 minutes late (D came later
    # and was missed).
    assert (rows["Suite 2"]["days"], rows["Suite 2"]["on_time"]) == (1, 0)
    assert rows["Suite 2"]["percent"] == 0


def test_turnover_is_measured_between_back_to_back_done_cases(monday: Monday) -> None:
    rows = rows_by_name(turnover(THE_DAY))
    # Only A -> B: A done at 09:32; B done 10:25 less its 30 minutes = 09:55: 23 minutes.
    assert list(rows) == ["Suite 1"]
    assert rows["Suite 1"]["pairs"] == 1
    assert rows["Suite 1"]["median"] == 23.0
    assert rows["Suite 1"]["set_minutes"] == 15
    assert rows["Suite 1"]["over"] == 1


def test_cancellations_by_cause_keep_same_day_ones_apart(monday: Monday) -> None:
    table = cancellations_by_cause(THE_DAY)
    rows = {row["cause"]: row for row in table.rows}
    assert (rows["hold_not_met"]["same_day"], rows["hold_not_met"]["earlier"]) == (1, 0)
    assert (rows["patient_request"]["same_day"], rows["patient_request"]["earlier"]) == (0, 1)
    # The preventable causes are named even at zero, and first.
    assert [row["cause"] for row in table.rows[:3]] == [
        "hold_not_met",
        "checklist_incomplete",
        "authorization_missing",
    ]
    assert rows["checklist_incomplete"]["total"] == 0
    assert "patient_ill" not in rows


def test_no_shows_are_grouped_by_days_booked_ahead(monday: Monday) -> None:
    rows = rows_by_name(no_shows_by_lead_time(THE_DAY))
    assert (rows["0–2 days"]["cases"], rows["0–2 days"]["no_shows"]) == (1, 0)  # C
    assert (rows["3–7 days"]["cases"], rows["3–7 days"]["no_shows"]) == (2, 0)  # A, B
    assert (rows["8–30 days"]["cases"], rows["8–30 days"]["no_shows"]) == (1, 1)  # D
    assert rows["8–30 days"]["percent"] == 100.0
    assert rows["31+ days"]["cases"] == 0
    assert rows["31+ days"]["percent"] is None


def test_filters_narrow_every_measure(monday: Monday) -> None:
    ortiz = Filters(first=MONDAY, last=MONDAY, provider_id=monday.clinic.ortiz.pk)
    volume = rows_by_name(volume_by_procedure(ortiz))
    assert volume[monday.clinic.procedure("MBB").name]["total"] == 2  # D and F
    assert [row["id"] for row in utilisation(ortiz).by_provider.rows] == [monday.clinic.ortiz.pk]
    suite1 = Filters(first=MONDAY, last=MONDAY, room_id=monday.clinic.suite1.pk)
    assert [row["id"] for row in utilisation(suite1).by_room.rows] == [monday.clinic.suite1.pk]
    assert rows_by_name(turnover(suite1))["Suite 1"]["pairs"] == 1
    assert turnover(Filters(first=MONDAY, last=MONDAY, room_id=monday.clinic.suite2.pk)).rows == []
    payer = Payer.objects.create(code="acme", name="Acme Health")
    patient = monday.cases["C"].patient
    patient.payer = payer
    patient.save(update_fields=["payer"])
    by_payer = Filters(first=MONDAY, last=MONDAY, payer_id=payer.pk)
    assert [row["name"] for row in volume_by_procedure(by_payer).rows] == [
        monday.clinic.procedure("ESI_IL").name
    ]
    esi = Filters(first=MONDAY, last=MONDAY, procedure_id=monday.clinic.procedure("ESI_IL").pk)
    assert rows_by_name(no_shows_by_lead_time(esi))["8–30 days"]["cases"] == 0
    next_day = Filters(first=dt.date(2026, 3, 3), last=dt.date(2026, 3, 3))
    assert volume_by_procedure(next_day).rows == []


def test_access_reports_median_days_booked_ahead(monday: Monday) -> None:
    rows = rows_by_name(access(THE_DAY))
    # Cancelled cases left out: A and B 4 days ahead, D 29: median 4. C was booked that day.
    assert rows[monday.clinic.procedure("MBB").name]["lead_median"] == 4
    assert rows[monday.clinic.procedure("ESI_IL").name]["lead_median"] == 0


@pytest.mark.clock_at(local(2026, 3, 9, 7))
def test_third_next_available_comes_from_the_slot_search(clinic: SmallClinic) -> None:
    mbb = clinic.procedure("MBB").name
    # Two providers free all Monday: the third 30-minute slot is today.
    assert rows_by_name(access(Filters.default()))[mbb]["third_days"] == 0
    for provider in (clinic.chen, clinic.ortiz):
        ProviderDayException.objects.create(provider=provider, date=dt.date(2026, 3, 9))
    assert rows_by_name(access(Filters.default()))[mbb]["third_days"] == 1
    # An exam room cannot host a fluoroscopy-guided block: nothing is found there.
    in_exam = replace(Filters.default(), room_id=clinic.exam.pk)
    row = rows_by_name(access(in_exam))[mbb]
    assert row["third_days"] is None
    assert row["third_text"].startswith("none within")


def test_every_measure_reads_in_a_fixed_number_of_queries(
    monday: Monday, django_assert_max_num_queries: object
) -> None:
    for _ in range(3):
        PatientFactory()
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        utilisation(THE_DAY)
    for measure in (volume_by_procedure, first_case_on_time, turnover, no_shows_by_lead_time):
        with django_assert_max_num_queries(2):  # type: ignore[operator]
            measure(THE_DAY)
