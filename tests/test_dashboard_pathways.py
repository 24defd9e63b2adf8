"""Pathway conversion on the manager's dashboard: hand-made pathways whose counts, shares and
median days are known, cases booked and completed through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from clinic.models import Patient
from procedures.models import FacetPathwayRule, ProcedureType
from scheduling import services
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.pathways import pathway_conversion
from scheduling.models import Appointment
from tests.dashboard_helpers import THORACIC, trial_done
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, book_case, case_done_here, local

# Mon 27 Apr 2026, before the first case: March's pathways have had time to go on.
NOW = local(2026, 4, 27, 7, 0)
MARCH = Filters(first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31))


pytestmark = pytest.mark.clock_at(NOW)


def done(
    clinic: SmallClinic, patient: Patient, day: dt.date, relief: int = 85, **place: object
) -> Appointment:
    """A case done here at 09:00 that day (a medial branch block, lumbar right, unless told)."""
    return case_done_here(
        clinic,
        patient=patient,
        start=local(day.year, day.month, day.day, 9),
        relief=relief,
        **place,
    )


def booked(clinic: SmallClinic, patient: Patient, day: dt.date, **place: object) -> Appointment:
    return book_case(clinic, patient=patient, start=local(day.year, day.month, day.day, 9), **place)


def by_stage(table) -> dict[str, dict]:
    return {row["stage"]: row for row in table.rows}


FIRST, SECOND, TRIAL = (
    "First block → second block",
    "Second block → ablation",
    "Stimulator trial → implant",
)


@pytest.fixture
def march(clinic: SmallClinic) -> dict[str, Patient]:
    """Four places whose first block is in March, and two patients who do not count:

    - Ann, lumbar right: blocks 2 and 23 Mar (21 days), ablation done 20 Apr (28 days);
    - Ann, lumbar left (a place of its own): block 9 Mar, second booked for 4 May;
    - Ben: blocks 3 and 24 Mar (21 days), ablation booked for 5 May, not yet done;
    - Cy: blocks 4 Mar (by Dr. Ortiz) and 18 Mar (14 days), nothing after;
    - Eve: blocks 17 Feb and 10 Mar: her first block is before March, so she is not counted;
    - Fay: a block on 11 Mar that was cancelled: not done, so not counted.
    """
    ann, ben, cy, eve, fay = (
        PatientFactory(first_name=n) for n in ("Ann", "Ben", "Cy", "Eve", "Fay")
    )
    done(clinic, eve, dt.date(2026, 2, 17))
    done(clinic, ann, dt.date(2026, 3, 2))
    done(clinic, ben, dt.date(2026, 3, 3))
    done(clinic, cy, dt.date(2026, 3, 4), provider=clinic.ortiz, room=clinic.suite2)
    done(clinic, ann, dt.date(2026, 3, 9), side="left")
    done(clinic, eve, dt.date(2026, 3, 10))
    with time_machine.travel(local(2026, 3, 2, 8), tick=False):
        cancelled = booked(clinic, fay, dt.date(2026, 3, 11))
        services.appointment_cancel(appointment=cancelled, reason="Unwell", acting_user=None)
    done(clinic, cy, dt.date(2026, 3, 18))
    done(clinic, ann, dt.date(2026, 3, 23), relief=90)
    done(clinic, ben, dt.date(2026, 3, 24), relief=90)
    done(clinic, ann, dt.date(2026, 4, 20), relief=70, code="RFA")
    booked(clinic, ben, dt.date(2026, 5, 5), code="RFA")
    booked(clinic, ann, dt.date(2026, 5, 4), side="left")
    return {"ann": ann, "ben": ben, "cy": cy, "eve": eve, "fay": fay}


def test_four_first_blocks_in_march_three_went_on_to_a_second_in_a_median_of_21_days(march):
    rows = by_stage(pathway_conversion(MARCH))

    assert rows[FIRST] == {
        "stage": FIRST,
        "started": 4,  # Ann right, Ann left, Ben, Cy; not Eve (February), not Fay (cancelled)
        "went_on": 3,  # Ann right (21 days), Ben (21), Cy (14)
        "booked": 1,  # Ann left: her right side's second block is not hers
        "percent": 75.0,
        "median_days": 21.0,
    }


def test_of_three_second_blocks_one_went_on_to_an_ablation_28_days_later_and_one_is_booked(
    march,
):
    rows = by_stage(pathway_conversion(MARCH))

    assert rows[SECOND] == {
        "stage": SECOND,
        "started": 3,  # Ann right, Ben, Cy
        "went_on": 1,  # Ann right, 23 Mar -> 20 Apr
        "booked": 1,  # Ben's ablation on 5 May
        "percent": 33.3,
        "median_days": 28.0,
    }


def test_the_filters_apply_to_the_first_block_and_not_to_the_stages_after_it(march, clinic):
    ortiz = pathway_conversion(Filters(MARCH.first, MARCH.last, provider_id=clinic.ortiz.pk))

    # Cy's first block was Dr. Ortiz's; his second, Dr. Chen's, still counts as going on.
    assert by_stage(ortiz)[FIRST]["started"] == 1
    assert by_stage(ortiz)[FIRST]["went_on"] == 1
    assert by_stage(ortiz)[FIRST]["median_days"] == 14.0


def test_a_range_whose_first_blocks_are_all_elsewhere_shows_zero_and_no_share(march):
    april = pathway_conversion(Filters(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))

    # Ann's ablation of 20 Apr is a later stage of a March pathway, not a start.
    assert by_stage(april)[FIRST] == {
        "stage": FIRST,
        "started": 0,
        "went_on": 0,
        "booked": 0,
        "percent": None,
        "median_days": None,
    }


def test_a_trial_that_led_to_an_implant_35_days_later_and_one_whose_implant_is_booked(clinic):
    gil, hal, ida = (PatientFactory(first_name=n) for n in ("Gil", "Hal", "Ida"))
    trial_done(clinic, ida, dt.date(2026, 2, 10), relief=70)  # February: not counted
    trial_done(clinic, gil, dt.date(2026, 3, 10), relief=70)
    trial_done(clinic, hal, dt.date(2026, 3, 12), relief=60)
    done(clinic, ida, dt.date(2026, 3, 6), code="SCS_IMPLANT", **THORACIC)
    done(clinic, gil, dt.date(2026, 4, 14), code="SCS_IMPLANT", **THORACIC)
    booked(clinic, hal, dt.date(2026, 5, 6), code="SCS_IMPLANT", **THORACIC)

    assert by_stage(pathway_conversion(MARCH))[TRIAL] == {
        "stage": TRIAL,
        "started": 2,
        "went_on": 1,  # Gil, 10 Mar -> 14 Apr
        "booked": 1,  # Hal, 6 May
        "percent": 50.0,
        "median_days": 35.0,
    }


def test_the_blocks_are_the_ones_the_default_rule_names(clinic):
    joe = PatientFactory(first_name="Joe")
    done(clinic, joe, dt.date(2026, 3, 2), code="FACET_IA")
    done(clinic, joe, dt.date(2026, 3, 16), code="FACET_IA")
    assert by_stage(pathway_conversion(MARCH))[FIRST]["started"] == 0

    rule = FacetPathwayRule.objects.get(rule_set__is_default=True)
    rule.block_procedures.add(ProcedureType.objects.get(code="FACET_IA"))

    assert by_stage(pathway_conversion(MARCH))[FIRST]["started"] == 1
    assert by_stage(pathway_conversion(MARCH))[FIRST]["median_days"] == 14.0


def test_the_measure_takes_the_same_few_queries_whatever_the_data(march, django_assert_num_queries):
    # The two rules, the blocks the facet rule names, one aggregate per pathway.
    with django_assert_num_queries(5):
        table = pathway_conversion(MARCH)
    assert [row["stage"] for row in table.rows] == [FIRST, SECOND, TRIAL]
    assert table.notes == (
        "Blocks: MBB; ablation: RFA (default rules).",
        "Trial: SCS_TRIAL; implant: SCS_IMPLANT (default rules).",
    )
    assert table.csv().splitlines()[1] == "First block → second block,4,3,75.0,1,21.0"
