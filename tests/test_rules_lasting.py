"""Relief that lasts, the sacroiliac pathway, trigger points and the Medicare set, at their
edges, with the pure evaluator (DOMAIN.md; the API and the seeded rows: test_rules_sets_api)."""

from __future__ import annotations

import datetime as dt

import pytest

from procedures.rules.facts import FollowUp, Session
from procedures.rules.lasting import Proof, lasting
from tests.rules_fixtures import ask, booked, done, judge

D = dt.date.fromisoformat


def codes(decision) -> list[tuple[str, dt.date | None, dt.date | None]]:
    return [(v.code, v.eligible_from, v.proof_due) for v in decision.violations]


# --- lasting(): proved, pending, failed ------------------------------------------------------


def session(relief: int | None, *follow_ups: tuple[str, int], lasted: int | None = None):
    return Session(
        "ESI_TF",
        "lumbar",
        "left",
        D("2027-01-04"),
        relief=relief,
        follow_ups=tuple(FollowUp(D(on), r) for on, r in follow_ups),
        relief_days=lasted,
        ref="appointment:1",
    )


@pytest.mark.parametrize(
    ("row", "proof"),
    [
        (session(None), Proof.UNRECORDED),
        (session(49), Proof.FAILED),
        (session(50), Proof.PENDING),
        # A follow-up one day early proves nothing, either way.
        (session(80, ("2027-01-17", 80)), Proof.PENDING),
        (session(80, ("2027-01-17", 10)), Proof.PENDING),
        (session(80, ("2027-01-18", 50)), Proof.PROVED),
        (session(80, ("2027-01-18", 49)), Proof.FAILED),
        # Any follow-up on or after the date that shows enough proves it.
        (session(80, ("2027-01-18", 30), ("2027-02-01", 60)), Proof.PROVED),
        (session(80, lasted=13), Proof.FAILED),
        (session(80, lasted=14), Proof.PROVED),
        # A follow-up on or after the date wins over a recorded duration.
        (session(80, ("2027-01-20", 20), lasted=30), Proof.FAILED),
        # Proof comes first: relief often starts days after a steroid.
        (session(40, ("2027-01-18", 60)), Proof.PROVED),
        (session(None, ("2027-01-18", 60)), Proof.PROVED),
        (session(None, ("2027-01-10", 60)), Proof.PENDING),
        (session(None, lasted=30), Proof.PROVED),  # a duration is of relief of 50% or more
        (session(40, lasted=30), Proof.FAILED),
    ],
)
def test_relief_lasting_14_days_at_its_edges(row, proof):
    judged = lasting(row, 50, 14)

    assert judged.proof is proof, judged.why
    assert judged.due == D("2027-01-18")


def test_relief_on_the_day_is_enough_when_no_duration_is_asked():
    assert lasting(session(50), 50, 0).proof is Proof.PROVED


# --- Epidurals: a repeat on relief lasting 14 days (3 months under Medicare) -----------------

FIRST = "2027-01-04"


@pytest.mark.parametrize(
    ("rule_set", "days"), [("default", 14), ("evicore", 14), ("commercial", 14), ("medicare", 90)]
)
def test_a_repeat_epidural_waits_for_proof_with_no_date_then_is_allowed(rule_set, days):
    due = D(FIRST) + dt.timedelta(days=days)
    later = due + dt.timedelta(days=1)
    unproved = [done("ESI_TF", "lumbar", "left", FIRST, 80, lasting=False)]

    pending = judge(unproved, ask("ESI_TF", "lumbar", "left", later), rule_set, today=later)
    assert codes(pending) == [("outcome_pending", None, due)]
    assert pending.eligible_from is None
    assert f"a follow-up on or after {due.isoformat()} must show" in pending.violations[0].detail

    early = [done("ESI_TF", "lumbar", "left", FIRST, 80, follow_ups=((due - dt.timedelta(1), 80),))]
    assert codes(judge(early, ask("ESI_TF", "lumbar", "left", later), rule_set)) == [
        ("outcome_pending", None, due)
    ]

    proved = [done("ESI_TF", "lumbar", "left", FIRST, 80, follow_ups=((due, 50),))]
    assert judge(proved, ask("ESI_TF", "lumbar", "left", later), rule_set).allowed

    worn_off = [done("ESI_TF", "lumbar", "left", FIRST, 80, follow_ups=((due, 49),))]
    refused = judge(worn_off, ask("ESI_TF", "lumbar", "left", later), rule_set)
    assert [v.code for v in refused.violations] == ["insufficient_response"]
    assert "49% at the follow-up" in refused.violations[0].detail


def test_history_without_a_duration_waits_for_the_nurse_to_add_it():
    entry = Session("ESI_TF", "lumbar", "left", D(FIRST), relief=80, ref="history:9")
    decision = judge([entry], ask("ESI_TF", "lumbar", "left", "2027-02-01"))

    assert codes(decision) == [("outcome_pending", None, D("2027-01-18"))]
    assert "edit the entry to add it" in decision.violations[0].detail


def test_medicare_has_no_three_in_six_months_cap_and_no_14_day_spacing():
    three = [done("ESI_TF", "lumbar", "left", on, 80) for on in ("2027-01-04", "2027-02-01")]
    three.append(done("ESI_TF", "lumbar", "left", "2027-03-01", 80))
    request = ask("ESI_TF", "lumbar", "left", "2027-03-08")

    assert judge(three, request, "medicare").allowed
    assert {v.code for v in judge(three, request, "default").violations} == {
        "frequency_limit",
        "min_interval",
    }
    four = [*three, done("ESI_TF", "lumbar", "left", "2027-03-08", 80)]
    fifth = judge(four, ask("ESI_TF", "lumbar", "left", "2027-04-01"), "medicare")
    assert codes(fifth) == [("frequency_limit", D("2028-01-04"), None)]


# --- Repeat ablation: 50% lasting 6 months (12 weeks under eviCore) --------------------------

RFA_ON = "2026-01-05"


def rfa(*follow_ups: tuple[str, int], relief: int = 70) -> Session:
    return done("RFA", "lumbar", "right", RFA_ON, relief, follow_ups=follow_ups, lasting=False)


@pytest.mark.parametrize(("rule_set", "days"), [("default", 183), ("evicore", 84)])
def test_a_repeat_ablation_needs_relief_that_lasted(rule_set, days):
    due = D(RFA_ON) + dt.timedelta(days=days)
    request = ask("RFA", "lumbar", "right", "2026-09-01")

    pending = judge([rfa()], request, rule_set)
    assert codes(pending) == [("outcome_pending", None, due)]
    assert "or start new blocks" in pending.violations[0].detail

    assert codes(judge([rfa((str(due - dt.timedelta(1)), 70))], request, rule_set)) == [
        ("outcome_pending", None, due)
    ]
    assert judge([rfa((str(due), 50))], request, rule_set).allowed

    failed = judge([rfa((str(due), 40))], request, rule_set)
    assert [v.code for v in failed.violations] == ["pathway_incomplete"]
    assert "since the last ablation on 2026-01-05" in failed.violations[0].detail


def test_two_new_positive_blocks_are_the_other_way_to_a_repeat_ablation():
    blocks = [
        done("MBB", "lumbar", "right", "2026-07-01", 85),
        done("MBB", "lumbar", "right", "2026-07-15", 90),
    ]
    assert judge([rfa(), *blocks], ask("RFA", "lumbar", "right", "2026-09-01")).allowed


def test_a_proved_repeat_still_waits_six_months():
    decision = judge([rfa(("2026-07-07", 60))], ask("RFA", "lumbar", "right", "2026-07-06"))

    assert codes(decision) == [("min_interval", D("2026-07-07"), None)]


# --- Sacroiliac joint: a diagnostic block with 75% first, 2 + 4 a year, lasting repeats -----


def si(code: str, side: str, on: str, relief: int | None, **kw) -> Session:
    return done(code, "sacral", side, on, relief, **kw)


@pytest.mark.parametrize("rule_set", ["default", "evicore", "commercial", "medicare"])
@pytest.mark.parametrize(
    ("history", "code"),
    [
        ([], "pathway_incomplete"),
        ([si("SI_DIAG", "left", "2026-09-01", 74)], "pathway_incomplete"),
        ([si("SI_DIAG", "left", "2026-09-01", None)], "outcome_pending"),
        ([booked("SI_DIAG", "sacral", "left", "2026-09-01")], "outcome_pending"),
        ([si("SI_DIAG", "right", "2026-09-01", 90)], "pathway_incomplete"),
        ([si("SI_DIAG", "left", "2026-09-01", 75)], None),
        ([si("SI_DIAG", "bilateral", "2026-09-01", 75)], None),
        # An earlier injection with 75% (before the diagnostic block existed) is the step.
        ([si("SI_JOINT", "left", "2025-01-06", 75)], None),
    ],
)
def test_a_sacroiliac_injection_needs_a_positive_diagnostic_block_on_its_side(
    rule_set, history, code
):
    decision = judge(history, ask("SI_JOINT", "sacral", "left", "2026-10-01"), rule_set)

    assert [v.code for v in decision.violations] == ([code] if code else [])
    if code:
        assert decision.eligible_from is None


def test_a_bilateral_injection_needs_the_step_on_both_sides():
    decision = judge(
        [si("SI_DIAG", "left", "2026-09-01", 90)],
        ask("SI_JOINT", "sacral", "bilateral", "2026-10-01"),
    )

    assert [v.code for v in decision.violations] == ["pathway_incomplete"]
    assert "right side" in decision.violations[0].detail


def test_two_diagnostic_sacroiliac_blocks_a_year_both_sides_together():
    two = [si("SI_DIAG", "left", "2026-01-05", 40), si("SI_DIAG", "right", "2026-03-02", 40)]

    refused = judge(two, ask("SI_DIAG", "sacral", "left", "2027-01-04"))
    assert codes(refused) == [("frequency_limit", D("2027-01-05"), None)]
    assert judge(two, ask("SI_DIAG", "sacral", "left", "2027-01-05")).allowed


def test_a_repeat_sacroiliac_injection_needs_50_percent_lasting_3_months():
    step = si("SI_DIAG", "left", "2026-01-05", 90)
    first = si("SI_JOINT", "left", "2026-02-02", 80, lasting=False)
    request = ask("SI_JOINT", "sacral", "left", "2026-06-01")

    assert codes(judge([step, first], request)) == [("outcome_pending", None, D("2026-05-03"))]
    proved = si("SI_JOINT", "left", "2026-02-02", 80, follow_ups=(("2026-05-03", 55),))
    assert judge([step, proved], request).allowed


# --- Trigger points: 3 a year, a repeat on 50% lasting 6 weeks -------------------------------


def test_a_repeat_of_trigger_points_needs_50_percent_lasting_six_weeks():
    first = done("TPI", "thoracic", "left", "2026-03-02", 60, lasting=False)
    request = ask("TPI", "lumbar", "right", "2026-05-01")

    assert codes(judge([first], request)) == [("outcome_pending", None, D("2026-04-13"))]
    good = done("TPI", "thoracic", "left", "2026-03-02", 60, follow_ups=(("2026-04-13", 50),))
    assert judge([good], request).allowed
    gone = done("TPI", "thoracic", "left", "2026-03-02", 60, follow_ups=(("2026-04-13", 20),))
    assert [v.code for v in judge([gone], request).violations] == ["insufficient_response"]


# --- Medicare: diagnostic and therapeutic facet injections counted apart ---------------------

BLOCKS = [
    done("MBB", "lumbar", "left", "2026-01-05", 85),
    done("MBB", "lumbar", "left", "2026-01-19", 90),
]


def test_medicare_counts_therapeutic_facet_injections_apart_from_the_blocks():
    two_more = [
        done("FACET_IA", "lumbar", "left", "2025-12-01", 30),
        done("FACET_IA", "lumbar", "left", "2025-12-15", 30),
    ]
    # Four diagnostic sessions in the year: a fifth diagnostic one is refused everywhere...
    history = [*two_more, *BLOCKS]
    assert [
        v.code
        for v in judge(history, ask("MBB", "lumbar", "right", "2026-03-02"), "medicare").violations
    ] == ["frequency_limit"]
    # ...but after two positive blocks on that side an IA injection is therapeutic: Medicare
    # counts it apart, the default set with the blocks.
    therapeutic = ask("FACET_IA", "lumbar", "left", "2026-03-02")
    assert judge(history, therapeutic, "medicare").allowed
    assert [v.code for v in judge(history, therapeutic, "default").violations] == [
        "frequency_limit"
    ]


def test_medicare_refuses_a_fifth_therapeutic_injection_and_asks_lasting_relief_for_a_repeat():
    injections = [
        done("FACET_IA", "lumbar", "left", on, 70)
        for on in ("2026-02-02", "2026-05-04", "2026-08-03", "2026-11-02")
    ]
    fifth = judge(
        [*BLOCKS, *injections], ask("FACET_IA", "lumbar", "left", "2026-12-01"), "medicare"
    )
    assert [v.code for v in fifth.violations] == ["frequency_limit"]

    unproved = done("FACET_IA", "lumbar", "left", "2026-02-02", 70, lasting=False)
    repeat = judge([*BLOCKS, unproved], ask("FACET_IA", "lumbar", "left", "2026-06-01"), "medicare")
    assert codes(repeat) == [("outcome_pending", None, D("2026-05-03"))]


def test_a_follow_up_recorded_on_one_of_a_days_two_cases_proves_the_session():
    # Left and right transforaminals booked apart on one day are one session.
    left = done("ESI_TF", "lumbar", "left", FIRST, 80, follow_ups=(("2027-01-18", 70),))
    right = done("ESI_TF", "lumbar", "right", FIRST, 80, lasting=False)
    request = ask("ESI_TF", "lumbar", "left", "2027-02-01")

    assert judge([left, right], request).allowed
    assert judge([right, left], request).allowed


def test_a_pending_ablation_proof_is_named_when_the_latest_block_was_negative():
    blocks = [
        done("MBB", "lumbar", "right", "2026-06-01", 90),
        done("MBB", "lumbar", "right", "2026-06-15", 90),
        done("MBB", "lumbar", "right", "2026-07-01", 10),
    ]
    decision = judge([rfa(), *blocks], ask("RFA", "lumbar", "right", "2026-09-01"))

    assert codes(decision) == [("outcome_pending", None, D("2026-07-07"))]
