"""Patients stuck in a pathway (`/dashboard/stuck/`): hand-made histories, through the real
services, where who is listed (and who is not, and why) is known."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client

from clinic.models import Patient
from procedures.models import FacetPathwayRule, ScsPathwayRule
from scheduling import services
from scheduling.dashboard.stuck import stuck_lists
from scheduling.dashboard.tables import Table
from scheduling.models import Appointment, CancelCause
from tests.dashboard_helpers import THORACIC, trial_done
from tests.factories import PatientFactory
from tests.pages_helpers import tables
from tests.scheduling_helpers import SmallClinic, book_case, case_done_here, local

# Thu 19 Nov 2026, before the first case. 31 days ago was Mon 19 Oct; 62 days ago Fri 18 Sep.
NOW = local(2026, 11, 19, 7, 30)
TODAY = NOW.date()

pytestmark = pytest.mark.clock_at(NOW)


def day(month: int, date: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, date)


def done(
    clinic: SmallClinic, patient: Patient, on: dt.date, relief: int, hour: int = 9, **place: object
) -> Appointment:
    """A case done here (a medial branch block, lumbar right, unless told), relief recorded."""
    start = local(on.year, on.month, on.day, hour)
    return case_done_here(clinic, patient=patient, start=start, relief=relief, **place)


def booked(clinic: SmallClinic, patient: Patient, on: dt.date, **place: object) -> Appointment:
    return book_case(clinic, patient=patient, start=local(on.year, on.month, on.day, 9), **place)


def cancelled(
    clinic: SmallClinic, patient: Patient, on: dt.date, cause: str, hour: int = 10
) -> Appointment:
    """A block booked a week ahead, cancelled at 08:00 on its day with this cause."""
    start = local(on.year, on.month, on.day, hour)
    with time_machine.travel(start - dt.timedelta(days=7), tick=False):
        case = book_case(clinic, patient=patient, start=start)
    with time_machine.travel(local(on.year, on.month, on.day, 8), tick=False):
        return services.appointment_cancel(
            appointment=case, reason="Not ready", acting_user=None, cause=cause
        )


def names(table: Table) -> list[str]:
    return [row["patient"].split()[0] for row in table.rows]


def lists() -> dict[str, Table]:
    return {table.slug: table for table in stuck_lists(TODAY)}


def person(first: str) -> Patient:
    return PatientFactory(first_name=first, last_name="Example")


# --- The facet lists ----------------------------------------------------------------------------


@pytest.fixture
def blocks(clinic: SmallClinic) -> dict[str, Patient]:
    """Positive means 80% or more (the default rule); 30 days is the rule's wait.

    First blocks: Ann (19 Oct, 31 days: listed), Ben (21 Oct, 29 days: not yet), Cy (20 Oct,
    30 days: not yet), Dee (19 Oct, second booked for 23 Nov: not listed), Eve (19 Oct, 40%:
    negative, not listed), Ida (40% on 3 Sep, then 85% on 15 Oct: a first block again, 35
    days: listed), Jon (two blocks and an ablation in spring, then a block on 16 Oct: a first
    block again, 34 days: listed), Old (a positive block 400 days ago: past the lookback).
    Second blocks: Gil (1 Sep, 19 Oct: listed), Hal (2 Sep, 19 Oct, ablation booked: not).
    """
    everyone = ("Ann", "Ben", "Cy", "Dee", "Eve", "Gil", "Hal", "Ida", "Jon", "Old")
    found = {name: person(name) for name in everyone}
    done(clinic, found["Old"], day(10, 15, 2025), 85)
    done(clinic, found["Jon"], day(4, 6), 85)
    done(clinic, found["Jon"], day(4, 20), 90)
    done(clinic, found["Jon"], day(5, 18), 70, code="RFA")
    done(clinic, found["Gil"], day(9, 1), 85)
    done(clinic, found["Hal"], day(9, 2), 85)
    done(clinic, found["Ida"], day(9, 3), 40)
    done(clinic, found["Ida"], day(10, 15), 85)
    done(clinic, found["Jon"], day(10, 16), 85)
    done(clinic, found["Ann"], day(10, 19), 85, hour=9)
    done(clinic, found["Dee"], day(10, 19), 85, hour=10)
    done(clinic, found["Eve"], day(10, 19), 40, hour=11)
    done(clinic, found["Gil"], day(10, 19), 90, hour=12)
    done(clinic, found["Hal"], day(10, 19), 90, hour=13)
    done(clinic, found["Cy"], day(10, 20), 85)
    done(clinic, found["Ben"], day(10, 21), 85)
    booked(clinic, found["Dee"], day(11, 23))
    booked(clinic, found["Hal"], day(11, 24), code="RFA")
    return found


def test_a_positive_first_block_more_than_30_days_old_with_nothing_booked_is_listed(blocks):
    first = lists()["stuck-first-block"]

    # Longest waiting first: Ida 35 days, Jon 34, Ann 31.
    assert names(first) == ["Ida", "Jon", "Ann"]
    ann = first.rows[2]
    assert (ann["mrn"], ann["place"], ann["day"], ann["relief"], ann["waiting"]) == (
        blocks["Ann"].mrn,
        "Lumbar right",
        day(10, 19),
        85,
        31,
    )
    assert ann["patient_url"] == f"/patients/{blocks['Ann'].pk}/"
    assert ann["book_url"] == (
        f"/book/?patient={blocks['Ann'].pk}&procedure_type=MBB&region=lumbar&side=right"
    )


def test_a_positive_second_block_with_no_ablation_booked_is_listed_with_the_ablation_to_book(
    blocks,
):
    second = lists()["stuck-second-block"]

    assert names(second) == ["Gil"]  # Hal's ablation is booked
    assert second.rows[0]["waiting"] == 31
    assert second.rows[0]["book_url"] == (
        f"/book/?patient={blocks['Gil'].pk}&procedure_type=RFA&region=lumbar&side=right"
    )


def test_the_days_are_the_rule_a_manager_edits(blocks):
    FacetPathwayRule.objects.filter(rule_set__is_default=True).update(next_stage_within_days=28)

    # Cy (30 days) and Ben (29) have now waited longer than the rule's 28 days.
    assert names(lists()["stuck-first-block"]) == ["Ida", "Jon", "Ann", "Cy", "Ben"]
    assert "more than 28 days ago" in lists()["stuck-first-block"].definition


def test_positive_is_the_rule_s_threshold(blocks):
    FacetPathwayRule.objects.filter(rule_set__is_default=True).update(block_min_relief_percent=90)

    # At 90%, only Gil's second block (90%) is positive, and the one before it (85%) is not:
    # it is a first block now. Hal's has its ablation booked.
    assert names(lists()["stuck-first-block"]) == ["Gil"]
    assert names(lists()["stuck-second-block"]) == []


def test_every_seeded_rule_set_waits_30_days_for_the_next_block_and_60_for_the_implant(db):
    assert set(FacetPathwayRule.objects.values_list("next_stage_within_days", flat=True)) == {30}
    assert set(ScsPathwayRule.objects.values_list("implant_within_days", flat=True)) == {60}


def test_a_manager_edits_the_days_in_the_rule_set_s_admin_page(pages_as):
    rule_set = FacetPathwayRule.objects.get(rule_set__is_default=True).rule_set
    page = pages_as("manager").get(f"/admin/procedures/ruleset/{rule_set.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="facetpathwayrules-0-next_stage_within_days" value="30"' in html
    assert 'name="scspathwayrules-0-implant_within_days" value="60"' in html
    assert "no implant booked this many days after the trial" in html


# --- The stimulator list ------------------------------------------------------------------------


def test_a_good_trial_with_no_implant_booked_within_60_days_is_listed(clinic):
    kim, lou, max_, ned = (person(n) for n in ("Kim", "Lou", "Max", "Ned"))
    trial_done(clinic, ned, day(9, 17), 70)  # implant booked below: not listed
    trial_done(clinic, kim, day(9, 18), 70)  # 62 days: listed
    trial_done(clinic, max_, day(9, 18), 30, hour=11)  # under 50%: not listed
    trial_done(clinic, lou, day(9, 21), 70)  # 59 days: not yet
    booked(clinic, ned, day(11, 30), code="SCS_IMPLANT", **THORACIC)

    trials = lists()["stuck-trial"]
    assert names(trials) == ["Kim"]
    assert (trials.rows[0]["waiting"], trials.rows[0]["relief"]) == (62, 70)
    assert trials.rows[0]["book_url"] == (
        f"/book/?patient={kim.pk}&procedure_type=SCS_IMPLANT&region=thoracic&side=bilateral"
    )

    ScsPathwayRule.objects.filter(rule_set__is_default=True).update(implant_within_days=58)
    assert names(lists()["stuck-trial"]) == ["Kim", "Lou"]


# --- Cancelled because something was not ready --------------------------------------------------


def test_a_case_cancelled_for_a_hold_checklist_or_authorization_and_not_booked_again(clinic):
    oli, pat, quin, ray, sue = (person(n) for n in ("Oli", "Pat", "Quin", "Ray", "Sue"))
    cancelled(clinic, oli, day(11, 2), CancelCause.HOLD_NOT_MET)
    cancelled(clinic, sue, day(11, 4), CancelCause.HOLD_NOT_MET)
    cancelled(clinic, pat, day(11, 5), CancelCause.CHECKLIST_INCOMPLETE)
    with time_machine.travel(local(2026, 11, 6, 10), tick=False):
        booked(clinic, pat, day(12, 1))  # Pat is booked again: not listed
    cancelled(clinic, quin, day(11, 10), CancelCause.AUTHORIZATION_MISSING)
    cancelled(clinic, ray, day(11, 12), CancelCause.PATIENT_ILL)  # not a preparation failure
    cancelled(clinic, sue, day(11, 13), CancelCause.HOLD_NOT_MET)  # Sue again: one row

    table = lists()["stuck-cancelled"]
    assert names(table) == ["Oli", "Quin", "Sue"]
    assert [(row["day"], row["waiting"], row["cause"]) for row in table.rows] == [
        (day(11, 2), 17, "Blood thinner hold not met"),
        (day(11, 10), 9, "Prior authorization missing"),
        (day(11, 13), 6, "Blood thinner hold not met"),
    ]
    assert table.rows[0]["book_url"] == (
        f"/book/?patient={oli.pk}&procedure_type=MBB&region=lumbar&side=right"
    )


def test_the_page_reads_the_first_rows_of_a_list_and_how_many_there_are(clinic):
    people = [person(n) for n in ("Oli", "Pat", "Quin")]
    for index, who in enumerate(people):
        cancelled(clinic, who, day(11, 4 + index), CancelCause.HOLD_NOT_MET)

    table = {t.slug: t for t in stuck_lists(TODAY, limit=2)}["stuck-cancelled"]
    assert names(table) == ["Oli", "Pat"]
    assert (table.count, table.rows_shown, table.rows_not_shown) == (3, 2, 1)
    whole = {t.slug: t for t in stuck_lists(TODAY)}["stuck-cancelled"]
    assert names(whole) == ["Oli", "Pat", "Quin"]


def test_the_lists_take_the_same_few_queries_whatever_the_data(blocks, django_assert_num_queries):
    # The two rules and the facet rule's blocks, then one query a list (the facet lists share
    # theirs).
    with django_assert_num_queries(6):
        found = stuck_lists(TODAY)
    assert [table.slug for table in found] == [
        "stuck-first-block",
        "stuck-second-block",
        "stuck-trial",
        "stuck-cancelled",
    ]


# --- The page -----------------------------------------------------------------------------------


def section(html: str, slug: str) -> str:
    match = re.search(rf'<section[^>]*id="{slug}"[^>]*>(.*?)</section>', html, re.S)
    assert match, f"no section {slug}"
    return match.group(1)


def test_a_manager_sees_each_list_with_its_count_and_rows_linking_to_patient_and_booking(
    blocks, pages_as
):
    manager: Client = pages_as("manager")
    response = manager.get("/dashboard/stuck/")

    assert response.status_code == 200
    html = response.content.decode()
    first = section(html, "stuck-first-block")
    assert "(3 waiting)" in first
    assert "How is this counted:" in first
    [table] = tables(first)
    assert table[0] == [
        "Patient",
        "MRN",
        "Region and side",
        "First block on",
        "Relief",
        "Days waiting",
        "Next step",
    ]
    ann = blocks["Ann"]
    assert table[3] == [
        "Ann Example",
        ann.mrn,
        "Lumbar right",
        "Mon 19 Oct 2026",
        "85%",
        "31 days",
        "Book the second block",
    ]
    assert f'<a href="/patients/{ann.pk}/">Ann Example</a>' in first
    assert (
        f'<a href="/book/?patient={ann.pk}&amp;procedure_type=MBB&amp;region=lumbar&amp;'
        'side=right">Book the second block</a>'
    ) in first
    assert 'href="/dashboard/export/stuck-first-block.csv"' in first


def test_an_empty_list_says_so_in_words(blocks, pages_as):
    html = pages_as("manager").get("/dashboard/stuck/").content.decode()

    trials = section(html, "stuck-trial")
    assert "(0 waiting)" in trials
    assert "<table" not in trials
    assert "No one is waiting: every good trial of the last 365 days" in trials


def test_the_booking_link_opens_the_search_for_the_next_step(blocks, pages_as):
    manager = pages_as("manager")
    [gil] = lists()["stuck-second-block"].rows

    response = manager.get(gil["book_url"])

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<option value="RFA"[^>]*selected', html)
    assert "Gil Example" in html


def test_each_list_exports_the_same_rows_as_csv(blocks, pages_as):
    response = pages_as("manager").get("/dashboard/export/stuck-second-block.csv")

    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "Patient,MRN,Region and side,Second block on,Relief,Days waiting,Next step"
    assert lines[1:] == [
        f"Gil Example,{blocks['Gil'].mrn},Lumbar right,2026-10-19,90,31,Book the ablation"
    ]


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_schedulers_and_nurses_are_refused(role, pages_as, db):
    assert pages_as(role).get("/dashboard/stuck/").status_code == 403
