"""Sessions and levels (DOMAIN.md): same-day cases are one session, levels add up, one region
group a session for epidurals, and ablations judged per level.

Pure rows against the hand-built rule sets of `rules_fixtures`, and the same through the API
(booking with levels, eligibility and slot search asked with them, bad levels refused).
"""

from __future__ import annotations

import datetime as dt

import pytest

from procedures.models import ProcedureHistory
from procedures.rules.levels import FACET_LEVELS, LEVELS, level_group
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.rules_fixtures import ask, booked, day, done, judge
from tests.scheduling_helpers import local, post_booking

TF = "ESI_TF"


def codes(decision) -> list[tuple[str, dt.date | None]]:
    return [(v.code, v.eligible_from) for v in decision.violations]


@pytest.mark.parametrize("rule_set", ["default", "evicore", "commercial"])
def test_a_left_and_a_right_transforaminal_on_one_day_are_one_session(rule_set):
    history = [booked(TF, "lumbar", "left", "2026-05-04", ("L4-L5",))]

    decision = judge(history, ask(TF, "lumbar", "right", "2026-05-04", ("L4-L5",)), rule_set)

    assert decision.allowed, [v.detail for v in decision.violations]


def test_the_next_day_is_another_session_and_keeps_its_14_days():
    history = [booked(TF, "lumbar", "left", "2026-05-04", ("L4-L5",))]

    decision = judge(history, ask(TF, "lumbar", "right", "2026-05-05"))

    assert codes(decision)[0][0] == "min_interval"


def test_levels_of_one_session_add_up_across_its_cases():
    history = [booked(TF, "lumbar", "left", "2026-05-04", ("L4-L5", "L5-S1"))]

    same_levels = judge(history, ask(TF, "lumbar", "right", "2026-05-04", ("L4-L5",)))
    a_third = judge(history, ask(TF, "lumbar", "right", "2026-05-04", ("L3-L4",)))

    assert same_levels.allowed  # bilateral at one level is one level
    (violation,) = a_third.violations
    assert violation.code == "too_many_levels"
    assert "L3-L4, L4-L5, L5-S1" in violation.detail
    # Another day is another session, which cures this rule alone; but there the booked
    # case is a previous epidural whose relief is not known yet, so nothing is promised.
    assert violation.eligible_from == day("2026-05-05")
    assert a_third.eligible_from is None


def test_three_levels_in_one_transforaminal_cannot_be_cured_by_waiting():
    decision = judge([], ask(TF, "lumbar", "left", "2026-05-04", ("L3-L4", "L4-L5", "L5-S1")))

    assert codes(decision) == [("too_many_levels", None)]
    assert decision.eligible_from is None


@pytest.mark.parametrize("procedure", ["ESI_IL", "ESI_CAUDAL"])
def test_an_interlaminar_or_caudal_epidural_is_never_bilateral(procedure):
    decision = judge([], ask(procedure, "lumbar", "bilateral", "2026-05-04"))

    assert codes(decision) == [("too_many_levels", None)]
    assert "never bilateral" in decision.violations[0].detail


def test_an_interlaminar_with_a_transforaminal_that_day_is_over_its_one_level():
    history = [booked(TF, "lumbar", "left", "2026-05-04")]

    decision = judge(history, ask("ESI_IL", "lumbar", "left", "2026-05-04"))

    assert [code for code, _ in codes(decision)] == ["too_many_levels"]


def test_an_epidural_in_another_region_group_the_same_day_is_refused():
    history = [booked(TF, "lumbar", "left", "2026-05-04")]

    decision = judge(history, ask(TF, "cervical", "left", "2026-05-04"))

    assert codes(decision) == [("one_region_per_session", day("2026-05-05"))]
    assert "lumbar/sacral" in decision.violations[0].detail
    # Spacing is per region group: the next day is free for the cervical spine.
    assert decision.eligible_from == day("2026-05-05")


def test_a_third_facet_level_in_a_session_is_refused():
    history = [booked("MBB", "lumbar", "left", "2026-05-04", ("L3-L4", "L4-L5"))]

    decision = judge(history, ask("MBB", "lumbar", "right", "2026-05-04", ("L5-S1",)))

    assert [code for code, _ in codes(decision)] == ["too_many_levels"]


BLOCKS_AT_L4_L5 = [
    done("MBB", "lumbar", "right", "2026-03-02", 85, levels=("L4-L5",)),
    done("MBB", "lumbar", "right", "2026-03-16", 90, levels=("L4-L5",)),
]


def test_an_ablation_needs_each_of_its_levels_blocked_positively_twice():
    asked = ask("RFA", "lumbar", "right", "2026-04-06", ("L4-L5", "L5-S1"))

    decision = judge(BLOCKS_AT_L4_L5, asked)

    assert codes(decision) == [("pathway_incomplete", None)]
    assert "Not blocked in both: L5-S1" in decision.violations[0].detail
    assert judge(BLOCKS_AT_L4_L5, ask("RFA", "lumbar", "right", "2026-04-06", ("L4-L5",))).allowed


def test_blocks_without_levels_match_every_level():
    blocks = [
        done("MBB", "lumbar", "right", "2026-03-02", 85),
        done("MBB", "lumbar", "right", "2026-03-16", 90),
    ]

    assert judge(blocks, ask("RFA", "lumbar", "right", "2026-04-06", ("L4-L5", "L5-S1"))).allowed


def test_a_repeat_ablation_is_judged_per_level():
    earlier_rfa = done("RFA", "lumbar", "right", "2026-04-06", 80, levels=("L2-L3",))
    history = [earlier_rfa, *BLOCKS_AT_L4_L5]
    # Blocks before the ablation at L2-L3 still count for L4-L5: that ablation was elsewhere.
    other_level = judge(history, ask("RFA", "lumbar", "right", "2026-05-04", ("L4-L5",)))
    same_level = judge(history, ask("RFA", "lumbar", "right", "2026-05-04", ("L2-L3",)))

    assert other_level.allowed, [v.detail for v in other_level.violations]
    assert codes(same_level) == [("min_interval", day("2026-10-06"))]


def test_the_level_vocabulary_and_its_groups():
    assert FACET_LEVELS[0] == "C2-C3" and FACET_LEVELS[-1] == "L5-S1"
    assert "S1" in LEVELS and "S1" not in FACET_LEVELS
    assert level_group("C7-T1") == "cervical/thoracic"
    assert level_group("L5-S1") == "lumbar/sacral"
    assert level_group("S1") == "lumbar/sacral"


# --- Through the API ------------------------------------------------------------------------

API_DAY = dt.date(2026, 11, 19)  # a Thursday, the day after the clock's


def at_nine(hour: int = 9) -> dt.datetime:
    return local(API_DAY.year, API_DAY.month, API_DAY.day, hour)


@pytest.fixture
def api_patient(db):
    return PatientFactory()


@pytest.mark.django_db
@pytest.mark.clock_at(local(2026, 11, 18, 10, 0))
def test_a_left_and_a_right_transforaminal_booked_apart_on_one_day_are_both_booked(
    clinic, api_patient, scheduler_api
):
    left = post_booking(
        scheduler_api,
        clinic,
        api_patient,
        at_nine(9),
        procedure_type=TF,
        region="lumbar",
        side="left",
        levels=["L5-S1", "L4-L5"],
    )
    right = post_booking(
        scheduler_api,
        clinic,
        api_patient,
        at_nine(11),
        procedure_type=TF,
        region="lumbar",
        side="right",
        levels=["L4-L5"],
    )

    assert left.status_code == 201, left.content
    assert left.json()["levels"] == ["L4-L5", "L5-S1"]  # in spine order
    assert right.status_code == 201, right.content
    assert Appointment.objects.get(pk=left.json()["id"]).levels == ["L4-L5", "L5-S1"]


@pytest.mark.django_db
@pytest.mark.clock_at(local(2026, 11, 18, 10, 0))
def test_a_third_level_that_day_is_refused_with_its_reason(clinic, api_patient, scheduler_api):
    post_booking(
        scheduler_api,
        clinic,
        api_patient,
        at_nine(9),
        procedure_type=TF,
        region="lumbar",
        side="left",
        levels=["L4-L5", "L5-S1"],
    )

    response = post_booking(
        scheduler_api,
        clinic,
        api_patient,
        at_nine(11),
        procedure_type=TF,
        region="lumbar",
        side="right",
        levels=["L3-L4"],
    )
    answer = scheduler_api.get(
        f"/api/patients/{api_patient.pk}/eligibility/?procedure_type=ESI_TF&region=lumbar"
        f"&side=right&date={API_DAY}&levels=L3-L4&levels=L4-L5"
    )

    assert response.status_code == 422
    assert [v["code"] for v in response.json()["violations"]] == ["too_many_levels"]
    assert Appointment.objects.count() == 1
    assert answer.status_code == 200
    assert [v["code"] for v in answer.json()["violations"]] == ["too_many_levels"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("levels", "words"),
    [
        (["L9-L10"], "is not a valid choice"),
        (["C5-C6"], "is not in the lumbar spine's region group"),
        (["L4-L5", "L4-L5"], "Give each level once."),
        ("L4-L5", "Expected a list"),
    ],
)
def test_bad_levels_are_a_400_on_the_field(clinic, api_patient, scheduler_api, levels, words):
    response = post_booking(
        scheduler_api,
        clinic,
        api_patient,
        at_nine(),
        procedure_type=TF,
        region="lumbar",
        side="left",
        levels=levels,
    )

    assert response.status_code == 400
    assert words in str(response.json()["levels"])
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_history_carries_levels_and_a_nurse_can_add_them_later(api_patient, nurse_api):
    entered = nurse_api.post(
        f"/api/patients/{api_patient.pk}/history/",
        {
            "procedure_type": "MBB",
            "region": "lumbar",
            "side": "left",
            "performed_on": "2026-03-02",
            "relief_percent": 85,
        },
    )
    entry = entered.json()

    patched = nurse_api.patch(
        f"/api/patients/{api_patient.pk}/history/{entry['id']}/", {"levels": ["L4-L5"]}
    )
    stray = nurse_api.patch(
        f"/api/patients/{api_patient.pk}/history/{entry['id']}/", {"levels": ["C5-C6"]}
    )

    assert entered.status_code == 201 and entry["levels"] == []
    assert patched.status_code == 200 and patched.json()["levels"] == ["L4-L5"]
    assert stray.status_code == 400 and "levels" in stray.json()
    assert ProcedureHistory.objects.get(pk=entry["id"]).levels == ["L4-L5"]
