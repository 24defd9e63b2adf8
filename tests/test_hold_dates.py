"""Every drug of the hold table at every risk class, and the dates that follow from it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from procedures import selectors
from procedures.holds import HoldInstruction, eligible_from, hold_dates
from procedures.models import Drug, HoldRule, PatientMedication, ProcedureType
from tests.factories import PatientFactory, drug

NY = ZoneInfo("America/New_York")
NINE = dt.time(9, 0)

# DOMAIN.md: drug -> (high, intermediate, low) as ("5d"|"12h"|None, restart hours by risk);
# "decides": the prescriber decides (no hold; a checklist item).
TABLE = {
    "warfarin": (("5d", "5d", None), (6, 6, 6)),
    "acenocoumarol": (("3d", "3d", None), (24, 24, 24)),
    "clopidogrel": (("7d", "7d", None), (24, 24, 24)),
    "prasugrel": (("7d", "7d", None), (24, 24, 24)),
    "ticagrelor": (("5d", "5d", None), (24, 24, 24)),
    "apixaban": (("3d", "3d", None), (24, 24, 24)),
    "rivaroxaban": (("3d", "3d", None), (24, 24, 24)),
    "edoxaban": (("3d", "3d", None), (24, 24, 24)),
    "dabigatran": (("4d", "4d", None), (24, 24, 24)),
    "aspirin": (("6d", "decides", None), (24, 24, 24)),
    "aspirin_secondary": (("decides", "decides", None), (24, 24, 24)),
    "cilostazol": (("2d", None, None), (24, 24, 24)),
    "dipyridamole": (("2d", None, None), (24, 24, 24)),
    "heparin_iv": (("6h", "6h", "6h"), (2, 2, 2)),
    "heparin_sc": (("24h", "6h", "6h"), (6, 2, 2)),
    "enoxaparin_prophylactic": (("12h", "12h", "12h"), (12, 12, 4)),
    "enoxaparin_therapeutic": (("24h", "24h", "24h"), (24, 24, 4)),
    "dalteparin": (("24h", "24h", "24h"), (24, 24, 4)),
    "ibuprofen": (("1d", None, None), (24, 24, 24)),
    "diclofenac": (("1d", None, None), (24, 24, 24)),
    "ketorolac": (("1d", None, None), (24, 24, 24)),
    "etodolac": (("2d", None, None), (24, 24, 24)),
    "indomethacin": (("2d", None, None), (24, 24, 24)),
    "naproxen": (("4d", None, None), (24, 24, 24)),
    "meloxicam": (("4d", None, None), (24, 24, 24)),
    "nabumetone": (("6d", None, None), (24, 24, 24)),
    "oxaprozin": (("10d", None, None), (24, 24, 24)),
    "piroxicam": (("10d", None, None), (24, 24, 24)),
}
RISKS = ("high", "intermediate", "low")
CASES = [
    (code, risk, holds[i], restarts[i])
    for code, (holds, restarts) in TABLE.items()
    for i, risk in enumerate(RISKS)
]


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)


@pytest.mark.django_db
def test_the_table_here_is_every_drug_the_migrations_seed():
    assert set(Drug.objects.values_list("code", flat=True)) == set(TABLE)


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "risk", "hold", "restart"), CASES)
def test_each_drug_at_each_risk_holds_and_restarts_as_the_table_says(code, risk, hold, restart):
    patient = PatientFactory()
    PatientMedication.objects.create(patient=patient, drug=drug(code))
    [instruction] = selectors.hold_instructions(patient.pk, risk) or [None]
    row = HoldRule.objects.get(drug__code=code, bleeding_risk=risk)
    assert row.prescriber_decides is (hold == "decides")
    if hold is None or hold == "decides":
        assert instruction is None
        assert not row.holds
        assert (row.hold_days, row.hold_hours, row.inr_required) == (0, 0, False)
        assert row.restart_hours == restart
        return
    assert instruction is not None
    amount, unit = int(hold[:-1]), hold[-1]
    assert (instruction.hold_days, instruction.hold_hours) == (
        (amount, 0) if unit == "d" else (0, amount)
    )
    assert instruction.restart_hours == restart
    assert instruction.inr_required == (code in {"warfarin", "acenocoumarol"})

    start, end = local(2026, 3, 2, 9, 0), local(2026, 3, 2, 9, 30)
    dates = hold_dates(instruction, start=start, end=end, zone=NY, stop_clock=NINE)
    assert dates.resume_at == end + dt.timedelta(hours=restart)
    if unit == "d":
        # Around a month end: a Monday 2 March case, N days off.
        assert dates.first_day_without == dt.date(2026, 3, 2) - dt.timedelta(days=amount)
        assert dates.last_dose_on == dt.date(2026, 3, 1) - dt.timedelta(days=amount)
        assert dates.stop_notice_at == dt.datetime.combine(dates.last_dose_on, NINE, tzinfo=NY)
        assert dates.last_dose_at is None
    else:
        assert dates.last_dose_at == start - dt.timedelta(hours=amount)
        assert dates.last_dose_on is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "region", "risk"),
    [
        ("MBB", "lumbar", "low"),
        ("MBB", "thoracic", "low"),
        ("MBB", "cervical", "intermediate"),
        ("RFA", "cervical", "intermediate"),
        ("ESI_IL", "lumbar", "intermediate"),
        ("SCS_TRIAL", "thoracic", "high"),
        ("TPI", "cervical", "low"),
        ("DISCOGRAPHY", "lumbar", "intermediate"),  # ASRA 2018: intradiscal
        ("KYPHOPLASTY", "thoracic", "high"),
    ],
)
def test_the_bleeding_risk_comes_from_the_procedure_and_for_facets_the_region(code, region, risk):
    procedure = ProcedureType.objects.prefetch_related("regional_risks").get(code=code)
    assert selectors.bleeding_risk(procedure, region) == risk


def warfarin(days: int = 5) -> HoldInstruction:
    return HoldInstruction("warfarin", "Warfarin", "intermediate", days, 0, True, 6)


@pytest.mark.parametrize(
    ("case_day", "last_dose", "first_without"),
    [
        (dt.date(2026, 3, 2), dt.date(2026, 2, 24), dt.date(2026, 2, 25)),  # across February
        (dt.date(2028, 3, 2), dt.date(2028, 2, 25), dt.date(2028, 2, 26)),  # a leap February
        (dt.date(2027, 1, 3), dt.date(2026, 12, 28), dt.date(2026, 12, 29)),  # across a year
        (dt.date(2026, 5, 1), dt.date(2026, 4, 25), dt.date(2026, 4, 26)),  # a 30-day month
    ],
)
def test_hold_dates_count_calendar_days_across_month_and_year_ends(
    case_day, last_dose, first_without
):
    start = dt.datetime.combine(case_day, dt.time(9), tzinfo=NY)
    dates = hold_dates(
        warfarin(),
        start=start,
        end=start + dt.timedelta(minutes=30),
        zone=NY,
        stop_clock=NINE,
    )
    assert (dates.last_dose_on, dates.first_day_without) == (last_dose, first_without)


def test_the_stop_reminder_is_at_nine_on_the_clinic_clock_across_the_autumn_clock_change():
    # Case Thursday 5 November 2026; five days off: last dose Friday 30 October (EDT).
    start = local(2026, 11, 5, 9, 0)
    dates = hold_dates(
        warfarin(),
        start=start,
        end=start + dt.timedelta(minutes=30),
        zone=NY,
        stop_clock=NINE,
    )
    assert dates.last_dose_on == dt.date(2026, 10, 30)
    assert dates.stop_notice_at.astimezone(dt.UTC) == dt.datetime(
        2026, 10, 30, 13, 0, tzinfo=dt.UTC
    )
    assert start.astimezone(dt.UTC).hour == 14  # the case itself is on EST


def test_a_restart_crossing_the_spring_clock_change_is_the_real_number_of_hours_later():
    # Ends 22:00 on Saturday 7 March 2026; 6 hours later crosses 02:00 -> 03:00.
    end = local(2026, 3, 7, 22, 0)
    dates = hold_dates(
        warfarin(),
        start=end - dt.timedelta(minutes=30),
        end=end,
        zone=NY,
        stop_clock=NINE,
    )
    assert dates.resume_at - end == dt.timedelta(hours=6)
    assert dates.resume_at.astimezone(NY).hour == 5  # 04:00 does not exist that night


@pytest.mark.parametrize(
    ("days", "today", "first"), [(5, dt.date(2026, 2, 26), dt.date(2026, 3, 4))]
)
def test_the_first_bookable_date_is_today_plus_the_hold_plus_one(days, today, first):
    assert eligible_from(days, today) == first


def test_an_hour_hold_is_missed_once_its_last_dose_time_has_passed():
    hold = HoldInstruction("enoxaparin_therapeutic", "Enoxaparin", "high", 0, 24, False, 24)
    start = local(2026, 3, 10, 9, 0)
    dates = hold_dates(hold, start=start, end=start, zone=NY, stop_clock=NINE)
    assert dates.last_dose_at == local(2026, 3, 9, 9, 0)
    assert dates.stop_notice_at is None  # told at booking: no stop reminder
    assert not dates.missed(local(2026, 3, 9, 8, 59), NY)
    assert dates.missed(local(2026, 3, 9, 9, 1), NY)
