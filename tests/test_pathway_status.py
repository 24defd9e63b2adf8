"""Pathway status in sentences: a table of hand-built histories (no database), then a few
patients whose history, cases and drugs are real rows, judged as booking judges them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from clinic.models import Patient
from procedures import services as procedure_services
from procedures.holds import HoldInstruction
from procedures.models import ProcedureType
from procedures.rules import Facts, Request, RuleSetSpec, evaluate
from procedures.rules.holds import AnticoagulantHoldRule
from scheduling import services
from scheduling.eligibility import PatientRules
from scheduling.pathway_status import (
    LimitUse,
    day_label,
    limit_use,
    pathway_status,
    procedures_label,
    window_label,
)
from scheduling.patient_summary import patient_pathways
from tests.factories import PatientFactory, drug, payer
from tests.rules_fixtures import COMMERCIAL, DEFAULT, booked, done, psych
from tests.scheduling_helpers import book_case, local

TODAY = dt.date(2026, 11, 18)
NOW = local(2026, 11, 18, 7, 30)  # TODAY, before the first case

pytestmark = pytest.mark.clock_at(NOW)


def sentences(sessions, evaluations=(), rule_set=DEFAULT, today=TODAY) -> list[str]:
    facts = Facts(tuple(sessions), tuple(evaluations))
    return [line.sentence for line in pathway_status(facts, rule_set, today)]


# --- The table ---------------------------------------------------------------------------------

R = ("lumbar", "right")

CASES = [
    ("nothing on file", [], [], []),
    (
        "a positive first block: the second may follow today",
        [done("MBB", *R, "2026-11-03", 85)],
        [],
        ["Lumbar right: first block 85% on 3 Nov; next: second block, from today"],
    ),
    (
        "two positive blocks: the ablation is allowed",
        [done("MBB", *R, "2026-11-03", 85), done("MBB", *R, "2026-11-10", 90)],
        [],
        ["Lumbar right: second block 90% on 10 Nov; RFA allowed"],
    ),
    (
        "a negative block: start again",
        [done("MBB", *R, "2026-11-03", 40)],
        [],
        ["Lumbar right: block 40% on 3 Nov, under 80%; next: first block again, from today"],
    ),
    (
        "a block without relief: record it first",
        [done("MBB", *R, "2026-11-03", 85), done("MBB", *R, "2026-11-10")],
        [],
        ["Lumbar right: second block on 10 Nov, relief not recorded; next: record its relief"],
    ),
    (
        "a block booked: its relief comes once it is done",
        [done("MBB", *R, "2026-11-03", 85), booked("MBB", *R, "2026-11-25")],
        [],
        ["Lumbar right: second block booked for 25 Nov; next: record its relief once it is done"],
    ),
    (
        "a good ablation long ago: a repeat is allowed",
        [
            done("MBB", *R, "2026-01-05", 85),
            done("MBB", *R, "2026-01-12", 90),
            done("RFA", *R, "2026-02-10", 70),
        ],
        [],
        ["Lumbar right: RFA 70% on 10 Feb; repeat RFA allowed"],
    ),
    (
        "a good ablation lately: the repeat waits 6 months",
        [
            done("MBB", *R, "2026-07-06", 85),
            done("MBB", *R, "2026-07-13", 90),
            done("RFA", *R, "2026-08-10", 70),
        ],
        [],
        ["Lumbar right: RFA 70% on 10 Aug; next: repeat RFA, from 9 Feb 2027"],
    ),
    (
        "each side on its own line",
        [done("MBB", "lumbar", "left", "2026-11-03", 85), done("MBB", *R, "2026-11-04", 30)],
        [],
        [
            "Lumbar left: first block 85% on 3 Nov; next: second block, from today",
            "Lumbar right: block 30% on 4 Nov, under 80%; next: first block again, from today",
        ],
    ),
    (
        "epidurals at their 6-month limit: the date it lifts",
        [
            done("ESI_TF", "lumbar", "left", "2026-07-15", 70),
            done("ESI_TF", "lumbar", "left", "2026-09-01", 60),
            done("ESI_IL", "lumbar", "left", "2026-10-20", 80),
        ],
        [],
        [
            "Lumbar: last ESI_IL 80% on 20 Oct; ESI 3 of 3 in 6 months used; "
            "next: ESI_IL, from 14 Jan 2027"
        ],
    ),
    (
        "an epidural that did not help: waiting lifts it after a year",
        [done("ESI_TF", "cervical", "left", "2026-10-01", 20)],
        [],
        ["Cervical: last ESI_TF 20% on 1 Oct, under 50%; next: ESI_TF, from 1 Oct 2027"],
    ),
    (
        "an epidural booked: the next waits for its relief, which no date brings",
        [
            done("ESI_TF", "lumbar", "left", "2026-07-01", 70),
            booked("ESI_TF", "lumbar", "left", "2026-11-30"),
        ],
        [],
        [
            "Lumbar: last ESI_TF booked for 30 Nov; next: ESI_TF, not yet: A repeat epidural "
            "needs at least 50% relief lasting 14 days: the ESI_TF on 2026-11-30 in the "
            "lumbar/sacral region is booked and not done yet; its relief must be recorded first."
        ],
    ),
    (
        "trigger points count for the whole patient",
        [
            done("TPI", "cervical", "left", "2026-03-01", 50),
            done("TPI", "thoracic", "right", "2026-06-01", 50),
            done("TPI", "lumbar", "left", "2026-09-01", 50),
        ],
        [],
        [
            "All regions: last TPI 50% on 1 Sep; TPI 3 of 3 in 12 months used; next: TPI, "
            "from 1 Mar 2027"
        ],
    ),
    (
        "a bilateral SI joint injection after a positive diagnostic block",
        [
            done("SI_DIAG", "sacral", "bilateral", "2026-09-01", 80),
            done("SI_JOINT", "sacral", "bilateral", "2026-10-01", 60),
        ],
        [],
        [
            "Sacral: last SI_JOINT 60% on 1 Oct; next: SI_JOINT, from today",
            "Sacral: SI_DIAG 1 of 2 in 12 months used; next: SI_DIAG, from today",
        ],
    ),
    (
        "cleared for a stimulator trial",
        [],
        [psych("2026-09-01")],
        ["Spinal cord stimulation: psych evaluation cleared on 1 Sep; next: trial, from today"],
    ),
    (
        "not cleared: waiting will not help",
        [],
        [psych("2026-09-01", cleared=False)],
        [
            "Spinal cord stimulation: psych evaluation on 1 Sep did not clear; next: trial, "
            "not yet: A SCS_TRIAL needs a psychological evaluation clearing the patient in the "
            "365 days before it; the evaluation on 2026-09-01 did not clear the patient."
        ],
    ),
    (
        "a trial running",
        [done("SCS_TRIAL", "thoracic", "bilateral", "2026-11-15")],
        [psych("2026-09-01")],
        [
            "Spinal cord stimulation: psych evaluation cleared on 1 Sep; trial since 15 Nov, "
            "runs until 22 Nov; next: implant, not yet: The SCS_TRIAL of 2026-11-15 runs until "
            "2026-11-22; no SCS_IMPLANT before it has ended and its relief is recorded."
        ],
    ),
    (
        "a good trial, relief recorded after it ended: the implant may follow",
        [done("SCS_TRIAL", "thoracic", "bilateral", "2026-11-01", 60, recorded_on="2026-11-09")],
        [psych("2026-09-01")],
        [
            "Spinal cord stimulation: psych evaluation cleared on 1 Sep; trial 60% on 1 Nov; "
            "next: implant, from today"
        ],
    ),
    (
        "a poor trial",
        [done("SCS_TRIAL", "thoracic", "bilateral", "2026-11-01", 30, recorded_on="2026-11-09")],
        [psych("2026-09-01")],
        [
            "Spinal cord stimulation: psych evaluation cleared on 1 Sep; trial 30% on 1 Nov, "
            "under 50%; next: implant, not yet: The SCS_TRIAL of 2026-11-01 gave 30% relief; a "
            "SCS_IMPLANT needs at least 50%."
        ],
    ),
    (
        "the implant booked: nothing more to do on this pathway",
        [
            done("SCS_TRIAL", "thoracic", "bilateral", "2026-10-01", 60, recorded_on="2026-10-09"),
            booked("SCS_IMPLANT", "thoracic", "bilateral", "2026-11-20"),
        ],
        [psych("2026-09-01")],
        [
            "Spinal cord stimulation: psych evaluation cleared on 1 Sep; trial 60% on 1 Oct; "
            "implant booked for 20 Nov"
        ],
    ),
]


@pytest.mark.parametrize(
    ("sessions", "evaluations", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_pathway_reads_as_a_sentence(sessions, evaluations, expected):
    assert sentences(sessions, evaluations) == expected


def test_the_payers_rule_set_decides_what_counts_as_a_positive_block():
    history = [done("MBB", *R, "2026-11-03", 60)]

    assert sentences(history, rule_set=COMMERCIAL) == [
        "Lumbar right: first block 60% on 3 Nov; next: second block, from today"
    ]
    assert sentences(history, rule_set=DEFAULT) == [
        "Lumbar right: block 60% on 3 Nov, under 80%; next: first block again, from today"
    ]


def test_each_line_carries_its_values_for_the_page():
    facts = Facts(
        (
            done("ESI_TF", "lumbar", "left", "2026-07-15", 70),
            done("ESI_TF", "lumbar", "left", "2026-09-01", 60),
            done("ESI_IL", "lumbar", "left", "2026-10-20", 80),
            done("MBB", *R, "2026-11-03", 85),
        )
    )

    esi, facet = pathway_status(facts, DEFAULT, TODAY)

    assert (facet.pathway, facet.place, facet.region, facet.side) == (
        "facet",
        "Lumbar right",
        "lumbar",
        "right",
    )
    assert facet.reached == "first block 85% on 3 Nov"
    assert (facet.next_step, facet.next_procedure) == ("second block", "MBB")
    assert (facet.allowed_now, facet.allowed_from, facet.waiting_will_not_help) == (
        True,
        TODAY,
        None,
    )
    assert facet.status == "first block 85% on 3 Nov; next: second block, from today"
    assert esi.limits == (
        LimitUse("ESI", 3, 3, "6 months", dt.date(2027, 1, 14)),
        LimitUse("ESI", 3, 4, "12 months", None),
    )
    assert (esi.allowed_now, esi.allowed_from) == (False, dt.date(2027, 1, 14))


def test_a_step_that_no_date_cures_says_why_and_has_no_date():
    facts = Facts((), (psych("2026-09-01", cleared=False),))

    (line,) = pathway_status(facts, DEFAULT, TODAY)

    assert (line.allowed_now, line.allowed_from) == (False, None)
    assert line.waiting_will_not_help.startswith("A SCS_TRIAL needs a psychological evaluation")


def test_the_judge_has_the_last_word_on_the_date():
    """A judge that also holds warfarin 5 days (as booking does) moves "today" on."""
    facts = Facts((done("MBB", "cervical", "left", "2026-11-03", 85),))
    warfarin = HoldInstruction("warfarin", "Warfarin", "intermediate", 5, 0, True, 6)
    with_hold = RuleSetSpec("x", "x", (*DEFAULT.rules, AnticoagulantHoldRule("Hold", (warfarin,))))

    def judge(code: str, region: str, side: str, day: dt.date):
        return evaluate(facts, Request(code, region, side, day), with_hold, TODAY)

    (line,) = pathway_status(facts, DEFAULT, TODAY, judge)

    assert (
        line.sentence == "Cervical left: first block 85% on 3 Nov; next: second block, from 24 Nov"
    )
    assert (line.allowed_now, line.allowed_from) == (False, dt.date(2026, 11, 24))


def test_booked_sessions_count_against_a_limit_and_old_ones_drop_out_of_it():
    (half_year,) = [r for r in DEFAULT.rules if getattr(r, "window_days", 0) == 183]
    facts = Facts(
        (
            done("ESI_TF", "lumbar", "left", "2026-01-10", 70),  # outside the 6 months
            done("ESI_TF", "lumbar", "left", "2026-10-01", 70),
            booked("ESI_TF", "lumbar", "left", "2026-12-01"),
            done("ESI_CAUDAL", "sacral", "bilateral", "2026-11-02", 70),  # counts as lumbar too
        )
    )

    # One more fits only on the booked session's own day (one kind, one date, one session),
    # as the evaluator finds.
    assert limit_use(half_year, facts, "lumbar", "left", TODAY) == LimitUse(
        "ESI", 3, 3, "6 months", dt.date(2026, 12, 1)
    )
    assert limit_use(half_year, facts, "cervical", "left", TODAY) is None


@pytest.mark.parametrize(
    ("days", "label"),
    [(183, "6 months"), (365, "12 months"), (90, "3 months"), (14, "2 weeks"), (10, "10 days")],
)
def test_windows_read_in_months_weeks_or_days(days, label):
    assert window_label(days) == label


@pytest.mark.parametrize(
    ("codes", "label"),
    [
        ({"ESI_IL", "ESI_TF", "ESI_CAUDAL"}, "ESI"),
        ({"RFA"}, "RFA"),
        ({"SI_JOINT"}, "SI_JOINT"),
        ({"MBB", "FACET_IA"}, "FACET_IA/MBB"),
    ],
)
def test_a_group_of_procedures_reads_as_its_shared_name(codes, label):
    assert procedures_label(codes) == label


def test_dates_carry_their_year_only_outside_this_one():
    assert day_label(dt.date(2026, 11, 3), TODAY) == "3 Nov"
    assert day_label(dt.date(2027, 1, 12), TODAY) == "12 Jan 2027"


# --- Real patients --------------------------------------------------------------------------------


def lines_for(patient: Patient) -> list[str]:
    with time_machine.travel(NOW, tick=False):
        return [line.sentence for line in patient_pathways(PatientRules.load(patient))]


def history(
    patient: Patient,
    code: str,
    region: str,
    side: str,
    on: dt.date,
    relief: int,
    lasted: int | None = None,
) -> None:
    procedure_services.history_add(
        patient=patient,
        procedure_type=ProcedureType.objects.get(code=code),
        region=region,
        side=side,
        performed_on=on,
        relief_percent=relief,
        relief_duration_days=lasted,
        acting_user=None,
    )


def test_a_warfarin_patient_may_have_a_lumbar_rfa_today_but_a_cervical_one_after_the_hold(clinic):
    patient = PatientFactory()
    for region, side in [("lumbar", "right"), ("cervical", "left")]:
        history(patient, "MBB", region, side, dt.date(2026, 11, 2), 85)
        history(patient, "MBB", region, side, dt.date(2026, 11, 9), 90)
    with time_machine.travel(NOW, tick=False):
        services.medication_add(patient=patient, drug=drug("warfarin"), acting_user=None)

    # Cervical facet procedures are intermediate risk: warfarin is held 5 days before.
    assert lines_for(patient) == [
        "Cervical left: second block 90% on 9 Nov; next: RFA, from 24 Nov",
        "Lumbar right: second block 90% on 9 Nov; RFA allowed",
    ]


def test_a_block_booked_here_is_the_stage_reached(clinic):
    patient = PatientFactory()
    history(patient, "MBB", "lumbar", "right", dt.date(2026, 11, 2), 85)
    with time_machine.travel(NOW, tick=False):
        book_case(clinic, patient=patient, start=local(2026, 11, 25, 9))

    assert lines_for(patient) == [
        "Lumbar right: second block booked for 25 Nov; next: record its relief once it is done"
    ]


def test_the_payer_selects_the_rule_set_the_status_is_judged_by(clinic):
    commercial = PatientFactory(payer=payer("bcbs"))
    default = PatientFactory(payer=payer("medicare"))
    for patient in (commercial, default):
        history(patient, "MBB", "lumbar", "right", dt.date(2026, 11, 2), 60)

    assert lines_for(commercial) == [
        "Lumbar right: first block 60% on 2 Nov; next: second block, from today"
    ]
    assert lines_for(default) == [
        "Lumbar right: block 60% on 2 Nov, under 80%; next: first block again, from today"
    ]


def test_epidurals_done_elsewhere_count_against_the_limit(clinic):
    patient = PatientFactory()
    for on in (dt.date(2026, 7, 15), dt.date(2026, 9, 1), dt.date(2026, 10, 20)):
        history(patient, "ESI_TF", "lumbar", "left", on, 70, lasted=21)

    assert lines_for(patient) == [
        "Lumbar: last ESI_TF 70% on 20 Oct; ESI 3 of 3 in 6 months used; "
        "next: ESI_TF, from 14 Jan 2027"
    ]
