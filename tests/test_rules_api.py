"""The rules of DOMAIN.md through the API: history, eligibility, booking, outcomes, pathways.

Today is fixed. Past sessions are either entered as history (done elsewhere, counted like
ours) or worked through here: booked, checked in and completed with the clock on their day.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.models import AuditEvent
from scheduling.models import Appointment
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import local, post_booking

TODAY = dt.date(2027, 4, 6)  # a Tuesday; no public holiday until Memorial Day, May 31
NOW = local(2027, 4, 6, 10, 0)

pytestmark = pytest.mark.clock_at(NOW)


def day(offset: int) -> dt.date:
    """A date relative to today: day(-20) is twenty days ago."""
    return TODAY + dt.timedelta(days=offset)


def at(date: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return local(date.year, date.month, date.day, hour, minute)


@pytest.fixture
def patient(db):
    return PatientFactory()


def enter_history(api, patient, code, on, relief=None, region="lumbar", side="left", lasted=None):
    """`lasted`: how many days the relief lasted, which a repeat may need proved."""
    body = {"procedure_type": code, "region": region, "side": side, "performed_on": str(on)}
    if relief is not None:
        body["relief_percent"] = relief
    if lasted is not None:
        body["relief_duration_days"] = lasted
    response = api.post(f"/api/patients/{patient.pk}/history/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def eligibility(api, patient, code, region="lumbar", side="left", on=None):
    params = {"procedure_type": code, "region": region, "side": side}
    if on is not None:
        params["date"] = str(on)
    response = api.get(f"/api/patients/{patient.pk}/eligibility/", params)
    assert response.status_code == 200, response.content
    return response.json()


def codes(body) -> list[str]:
    return [v["code"] for v in body["violations"]]


def only_violation(body) -> dict:
    [violation] = body["violations"]
    return violation


def book(api, clinic, patient, code, start, region="lumbar", side="left", **extra):
    """Through the API; this file's cases are on the left unless told."""
    return post_booking(
        api, clinic, patient, start, procedure_type=code, region=region, side=side, **extra
    )


def done_here(scheduler, nurse, clock, clinic, patient, code, on, relief=None, **where):
    """A case worked through here on `on` (the clock goes there); returns the appointment."""
    clock.move_to(at(on, 7))
    booked = book(scheduler, clinic, patient, code, at(on), **where)
    assert booked.status_code == 201, booked.content
    case = booked.json()["id"]
    # The checklist is not what these tests are about: the nurse overrides it, with a reason.
    checked_in = nurse.post(
        f"/api/appointments/{case}/check-in/", {"override_reason": "Checklist on paper today"}
    )
    assert checked_in.status_code == 200, checked_in.content
    assert nurse.post(f"/api/appointments/{case}/complete/").status_code == 200
    if relief is not None:
        recorded = nurse.post(f"/api/appointments/{case}/outcome/", {"relief_percent": relief})
        assert recorded.status_code == 200, recorded.content
    return case


# --- History and psychological evaluations ------------------------------------------------------


def test_a_nurse_enters_a_procedure_done_elsewhere_and_reads_it_back(patient, nurse_api):
    response = nurse_api.post(
        f"/api/patients/{patient.pk}/history/",
        {
            "procedure_type": "MBB",
            "region": "lumbar",
            "side": "right",
            "performed_on": "2027-03-17",
            "relief_percent": 85,
            "notes": "Outside clinic",
        },
        format="json",
    )

    assert response.status_code == 201
    created = response.json()
    assert {k: created[k] for k in ("patient", "procedure_type", "region", "side")} == {
        "patient": patient.pk,
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "right",
    }
    assert (created["performed_on"], created["relief_percent"]) == ("2027-03-17", 85)
    event = AuditEvent.objects.get(action="history.add")
    assert (event.actor, event.object_id) == (nurse_api.user, str(created["id"]))


def test_the_history_list_shows_the_patients_entries_newest_first(
    patient, scheduler_api, nurse_api
):
    enter_history(nurse_api, patient, "ESI_IL", day(-90), relief=70)
    enter_history(nurse_api, patient, "TPI", day(-10))
    enter_history(nurse_api, PatientFactory(), "TPI", day(-5))

    rows = scheduler_api.get(f"/api/patients/{patient.pk}/history/").json()

    assert [(r["procedure_type"], r["performed_on"], r["relief_percent"]) for r in rows] == [
        ("TPI", "2027-03-27", None),
        ("ESI_IL", "2027-01-06", 70),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"performed_on": "2027-04-07"}, "performed_on"),  # tomorrow
        ({"performed_on": "2027-02-30"}, "performed_on"),
        ({"performed_on": None}, "performed_on"),
        ({"relief_percent": 101}, "relief_percent"),
        ({"relief_percent": -1}, "relief_percent"),
        ({"procedure_type": "XYZ"}, "procedure_type"),
        ({"region": "knee"}, "region"),
        ({"side": "both"}, "side"),
    ],
    ids=lambda v: str(v),
)
def test_bad_history_is_a_400_on_that_field_and_writes_nothing(patient, nurse_api, change, field):
    body = {
        "procedure_type": "MBB",
        "region": "lumbar",
        "side": "left",
        "performed_on": "2027-04-01",
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}

    response = nurse_api.post(f"/api/patients/{patient.pk}/history/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert nurse_api.get(f"/api/patients/{patient.pk}/history/").json() == []
    assert not AuditEvent.objects.filter(action="history.add").exists()


def test_history_dated_today_is_accepted_by_the_clinics_calendar_not_utcs(
    patient, nurse_api, clock
):
    clock.move_to(at(TODAY, 21, 30))  # already 01:30 on the 7th in UTC

    today = nurse_api.post(
        f"/api/patients/{patient.pk}/history/",
        {"procedure_type": "TPI", "region": "lumbar", "side": "left", "performed_on": "2027-04-06"},
        format="json",
    )
    tomorrow = nurse_api.post(
        f"/api/patients/{patient.pk}/history/",
        {"procedure_type": "TPI", "region": "lumbar", "side": "left", "performed_on": "2027-04-07"},
        format="json",
    )

    assert today.status_code == 201
    assert tomorrow.status_code == 400
    assert tomorrow.json() == {"performed_on": ["History is for procedures already done."]}


def test_a_psych_evaluation_is_recorded_and_listed(patient, nurse_api):
    response = nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2027-03-01", "cleared": True},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["performed_on"], response.json()["cleared"]) == ("2027-03-01", True)
    rows = nurse_api.get(f"/api/patients/{patient.pk}/psych-evaluations/").json()
    assert [(r["performed_on"], r["cleared"]) for r in rows] == [("2027-03-01", True)]
    assert AuditEvent.objects.filter(action="psych_evaluation.add").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"performed_on": "2027-04-07", "cleared": True}, "performed_on"),
        ({"performed_on": "2027-03-01"}, "cleared"),
        ({"performed_on": "2027-03-01", "cleared": "maybe"}, "cleared"),
        ({"cleared": True}, "performed_on"),
    ],
)
def test_a_bad_psych_evaluation_is_a_400_and_writes_nothing(patient, nurse_api, body, field):
    response = nurse_api.post(f"/api/patients/{patient.pk}/psych-evaluations/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert nurse_api.get(f"/api/patients/{patient.pk}/psych-evaluations/").json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("history", {"procedure_type": "TPI", "region": "lumbar", "side": "left",
                     "performed_on": "2027-04-01"}),
        ("psych-evaluations", {"performed_on": "2027-04-01", "cleared": True}),
    ],
)  # fmt: skip
def test_history_and_evaluations_need_a_clinic_role_and_a_known_patient(
    patient, api_as, anon_api, path, body
):
    url = f"/api/patients/{patient.pk}/{path}/"
    for method, data in (("get", None), ("post", body)):
        assert getattr(anon_api, method)(url, data, format="json").status_code == 401
        no_role = getattr(api_as(None), method)(url, data, format="json")
        assert no_role.status_code == 403
        assert no_role.json()["code"] == "permission_denied"
    for role in ("scheduler", "nurse", "manager"):
        assert api_as(role).get(url).status_code == 200
    unknown = api_as("nurse").post(f"/api/patients/424242/{path}/", body, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


# --- The eligibility endpoint -------------------------------------------------------------------


def test_eligibility_answers_in_its_shape_for_today_by_default(patient, scheduler_api):
    response = scheduler_api.get(
        f"/api/patients/{patient.pk}/eligibility/",
        {"procedure_type": "MBB", "region": "lumbar", "side": "left"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "allowed": True,
        "eligible_from": "2027-04-06",
        "violations": [],
        "rule_set": "default",
    }


def test_eligibility_judges_the_date_asked_for(patient, nurse_api):
    # Three epidurals in six months, each with relief that lasted: the oldest (2026-10-09)
    # leaves the 183-day window on 2027-04-10.
    for offset in (-179, -100, -50):
        enter_history(nurse_api, patient, "ESI_IL", day(offset), relief=70, lasted=30)

    assert eligibility(nurse_api, patient, "ESI_IL")["allowed"] is False
    assert eligibility(nurse_api, patient, "ESI_IL", on=day(3))["allowed"] is False
    assert eligibility(nurse_api, patient, "ESI_IL", on=day(4)) == {
        "allowed": True,
        "eligible_from": "2027-04-10",
        "violations": [],
        "rule_set": "default",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"procedure_type": None}, "procedure_type"),
        ({"procedure_type": "XYZ"}, "procedure_type"),
        ({"region": "knee"}, "region"),
        ({"region": None}, "region"),
        ({"side": "both"}, "side"),
        ({"date": "2027-02-30"}, "date"),
        ({"date": "next week"}, "date"),
    ],
    ids=lambda v: str(v),
)
def test_bad_eligibility_parameters_are_a_400_on_that_field(patient, nurse_api, params, field):
    query = {"procedure_type": "RFA", "region": "lumbar", "side": "left"}
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None}

    response = nurse_api.get(f"/api/patients/{patient.pk}/eligibility/", query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_eligibility_for_an_unknown_patient_is_a_404_and_needs_a_role(
    patient, nurse_api, api_as, anon_api
):
    query = {"procedure_type": "RFA", "region": "lumbar", "side": "left"}

    assert nurse_api.get("/api/patients/424242/eligibility/", query).status_code == 404
    url = f"/api/patients/{patient.pk}/eligibility/"
    assert anon_api.get(url, query).status_code == 401
    assert api_as(None).get(url, query).status_code == 403


# --- Facet pathway: two positive blocks, then ablation; repeats -----------------------------------


def test_an_ablation_after_two_blocks_with_at_least_80_percent_relief_is_allowed(
    patient, nurse_api
):
    enter_history(nurse_api, patient, "MBB", day(-40), relief=80)
    enter_history(nurse_api, patient, "MBB", day(-20), relief=90)

    assert eligibility(nurse_api, patient, "RFA") == {
        "allowed": True,
        "eligible_from": "2027-04-06",
        "violations": [],
        "rule_set": "default",
    }


def test_an_ablation_after_one_positive_block_needs_one_more_and_names_that_block(
    patient, nurse_api
):
    enter_history(nurse_api, patient, "MBB", day(-20), relief=85)

    answer = eligibility(nurse_api, patient, "RFA")

    assert (answer["allowed"], answer["eligible_from"]) == (False, None)
    assert only_violation(answer) == {
        "code": "pathway_incomplete",
        "detail": "RFA of the lumbar left side needs two diagnostic blocks with at least 80% "
        "relief; found one, on 2027-03-17, 85%. One more block is needed.",
        "eligible_from": None,
    }


def test_blocks_on_the_other_side_do_not_count_but_bilateral_blocks_count_for_both(
    patient, nurse_api
):
    enter_history(nurse_api, patient, "MBB", day(-40), relief=85, side="right")
    enter_history(nurse_api, patient, "MBB", day(-20), relief=85, side="bilateral")

    assert eligibility(nurse_api, patient, "RFA", side="right")["allowed"] is True
    left = eligibility(nurse_api, patient, "RFA", side="left")
    assert codes(left) == ["pathway_incomplete"]
    both = eligibility(nurse_api, patient, "RFA", side="bilateral")
    assert codes(both) == ["pathway_incomplete"]
    assert "lumbar left side" in both["violations"][0]["detail"]


def test_an_ablation_after_a_negative_latest_block_starts_again(patient, nurse_api):
    enter_history(nurse_api, patient, "MBB", day(-40), relief=90)
    enter_history(nurse_api, patient, "MBB", day(-20), relief=50)

    answer = eligibility(nurse_api, patient, "RFA")

    assert only_violation(answer) == {
        "code": "pathway_incomplete",
        "detail": "RFA of the lumbar left side needs two diagnostic blocks with at least 80% "
        "relief; found two, on 2027-03-17, 50%; on 2027-02-25, 90%. The latest block was "
        "negative: start again with a new first block.",
        "eligible_from": None,
    }


def test_a_block_whose_relief_is_not_recorded_holds_the_next_block(patient, nurse_api):
    enter_history(nurse_api, patient, "MBB", day(-20))

    answer = eligibility(nurse_api, patient, "MBB")

    assert only_violation(answer) == {
        "code": "outcome_pending",
        "detail": "The MBB of the lumbar left side on 2027-03-17 has no relief recorded; "
        "record its relief before booking another block.",
        "eligible_from": None,
    }


def test_a_repeat_ablation_within_183_days_is_refused_until_the_day_it_is_allowed(
    nurse_api,
):
    # Under the default set the relief must have lasted 183 days, which cannot be shown before
    # the 183 days are up; eviCore's 12 weeks can, so the spacing alone is left to refuse.
    patient = PatientFactory(payer=payer("aetna"))
    enter_history(nurse_api, patient, "RFA", day(-100), relief=60, lasted=90)  # 2026-12-27

    answer = eligibility(nurse_api, patient, "RFA")

    assert (answer["rule_set"], answer["eligible_from"]) == ("evicore", "2027-06-28")
    assert only_violation(answer) == {
        "code": "min_interval",
        "detail": "A repeat RFA of the lumbar left side comes at least 183 days after the last "
        "one (2026-12-27, 60%): from 2027-06-28.",
        "eligible_from": "2027-06-28",
    }
    assert eligibility(nurse_api, patient, "RFA", on=day(82))["allowed"] is False
    assert eligibility(nurse_api, patient, "RFA", on=day(83))["allowed"] is True


def test_a_repeat_ablation_after_one_under_50_percent_needs_two_new_blocks(patient, nurse_api):
    enter_history(nurse_api, patient, "RFA", day(-200), relief=30)

    answer = eligibility(nurse_api, patient, "RFA")

    assert only_violation(answer) == {
        "code": "pathway_incomplete",
        "detail": "RFA of the lumbar left side needs two diagnostic blocks with at least 80% "
        "relief since the last ablation on 2026-09-18 (it gave 30% relief, under the 50% "
        "needed); found none.",
        "eligible_from": None,
    }
    enter_history(nurse_api, patient, "MBB", day(-30), relief=85)
    enter_history(nurse_api, patient, "MBB", day(-15), relief=85)
    assert eligibility(nurse_api, patient, "RFA")["allowed"] is True


def test_ablations_are_limited_to_two_per_region_in_twelve_months(patient, nurse_api):
    # Relief that lasted six months each: a repeat needs no new blocks, only the limit refuses.
    enter_history(nurse_api, patient, "RFA", day(-200), relief=70, side="left", lasted=190)
    enter_history(nurse_api, patient, "RFA", day(-190), relief=70, side="right", lasted=190)

    answer = eligibility(nurse_api, patient, "RFA", side="left")

    assert answer["eligible_from"] == str(day(-200) + dt.timedelta(days=365))
    assert only_violation(answer) == {
        "code": "frequency_limit",
        "detail": "Radiofrequency ablation: 2 per region per 12 months: the lumbar/sacral region "
        "already has 2 in the 365 days up to 2027-04-06 (2026-09-18, 2026-09-28).",
        "eligible_from": "2027-09-18",
    }


def test_diagnostic_facet_sessions_are_limited_to_four_per_region_in_twelve_months(
    patient, nurse_api
):
    for offset, code in ((-300, "MBB"), (-200, "FACET_IA"), (-100, "MBB"), (-50, "FACET_IA")):
        enter_history(nurse_api, patient, code, day(offset), relief=40)

    answer = eligibility(nurse_api, patient, "MBB", side="right")

    assert codes(answer) == ["frequency_limit"]
    assert answer["eligible_from"] == str(day(-300) + dt.timedelta(days=365))
    assert eligibility(nurse_api, patient, "MBB", region="cervical")["allowed"] is True


# --- Epidural steroid injections ---------------------------------------------------------------


def test_a_fourth_epidural_in_six_months_waits_for_the_oldest_to_leave_the_window(
    patient, nurse_api
):
    # The three kinds count together, and a caudal counts in the lumbar/sacral group.
    # Each gave relief lasting a month: a repeat is not held for proof of relief.
    enter_history(nurse_api, patient, "ESI_IL", day(-150), relief=70, lasted=30)  # 2026-11-07
    enter_history(
        nurse_api, patient, "ESI_CAUDAL", day(-100), relief=70, region="sacral", lasted=30
    )
    enter_history(nurse_api, patient, "ESI_TF", day(-50), relief=70, lasted=30)

    answer = eligibility(nurse_api, patient, "ESI_TF")

    oldest_leaves = day(-150) + dt.timedelta(days=183)
    assert oldest_leaves == dt.date(2027, 5, 9)
    assert answer["eligible_from"] == "2027-05-09"
    assert only_violation(answer) == {
        "code": "frequency_limit",
        "detail": "Epidural steroid injections: 3 per region per 6 months: the lumbar/sacral "
        "region already has 3 in the 183 days up to 2027-04-06 (2026-11-07, 2026-12-27, "
        "2027-02-15).",
        "eligible_from": "2027-05-09",
    }
    assert eligibility(nurse_api, patient, "ESI_TF", on=dt.date(2027, 5, 8))["allowed"] is False
    assert eligibility(nurse_api, patient, "ESI_TF", on=dt.date(2027, 5, 9))["allowed"] is True
    assert eligibility(nurse_api, patient, "ESI_TF", region="cervical")["allowed"] is True


def test_a_fifth_epidural_in_twelve_months_is_refused_even_when_six_months_allow_it(
    patient, nurse_api
):
    for offset in (-330, -250, -170, -90):
        enter_history(nurse_api, patient, "ESI_IL", day(offset), relief=70, lasted=30)

    answer = eligibility(nurse_api, patient, "ESI_IL")

    violation = only_violation(answer)
    assert violation["code"] == "frequency_limit"
    assert violation["detail"].startswith("Epidural steroid injections: 4 per region per 12 months")
    assert answer["eligible_from"] == violation["eligible_from"] == str(day(-330 + 365))


CAPPED = [("frequency_limit", "2027-04-29")]  # when the oldest of three leaves the 183 days
SPACED = [("min_interval", "2027-05-04")]  # 14 days after the booked cervical one


@pytest.mark.parametrize(
    ("payer_code", "rule_set", "lumbar_refusals", "cervical_refusals"),
    [
        (None, "default", CAPPED, SPACED),
        # The Medicare set has no 3-per-6-months cap and no 14-day spacing.
        ("medicare", "medicare", [], []),
        ("aetna", "evicore", CAPPED, SPACED),
        ("bcbs", "commercial", CAPPED, SPACED),
    ],
)
def test_every_rule_set_limits_epidurals_alike_but_medicare(
    clinic, scheduler_api, nurse_api, payer_code, rule_set, lumbar_refusals, cervical_refusals
):
    patient = PatientFactory(payer=payer(payer_code) if payer_code else None)
    # Relief lasting three months each, enough for a repeat under every set.
    for offset in (-160, -125, -90):
        enter_history(nurse_api, patient, "ESI_IL", day(offset), relief=70, lasted=90)
    # Spacing shows before a booked case: after one, its relief must first be proved to last,
    # which takes at least as long as the spacing.
    booked = book(scheduler_api, clinic, patient, "ESI_IL", at(day(14)), region="cervical")
    assert booked.status_code == 201, booked.content

    lumbar = eligibility(nurse_api, patient, "ESI_TF")
    cervical = eligibility(nurse_api, patient, "ESI_TF", region="cervical", on=day(9))

    assert lumbar["rule_set"] == rule_set
    assert [(v["code"], v["eligible_from"]) for v in lumbar["violations"]] == lumbar_refusals
    assert [(v["code"], v["eligible_from"]) for v in cervical["violations"]] == cervical_refusals


def test_epidurals_keep_14_days_from_a_booked_one_before_and_after_it(
    clinic, patient, scheduler_api
):
    booked_on = day(14)  # 2027-04-20, booked, not done
    assert book(scheduler_api, clinic, patient, "ESI_IL", at(booked_on)).status_code == 201

    before = eligibility(scheduler_api, patient, "ESI_TF", on=day(9))
    after = eligibility(scheduler_api, patient, "ESI_TF", on=day(19))

    spacing = {
        "code": "min_interval",
        "detail": "Epidural steroid injections at least 14 days apart per region: the "
        "lumbar/sacral region has one on 2027-04-20; keep 14 days apart (possible from "
        "2027-05-04).",
        "eligible_from": "2027-05-04",
    }
    assert before["violations"] == [spacing]
    # After it, the booked one also needs its relief recorded first: no date cures that.
    assert after["violations"] == [
        spacing,
        {
            "code": "outcome_pending",
            "detail": "A repeat epidural needs at least 50% relief lasting 14 days: the ESI_IL "
            "on 2027-04-20 in the lumbar/sacral region is booked and not done yet; its relief "
            "must be recorded first.",
            "eligible_from": None,
            # The first day a follow-up could show the relief lasted.
            "proof_due": "2027-05-04",
        },
    ]
    assert before["eligible_from"] is None and after["eligible_from"] is None
    # Exactly 14 days before is far enough.
    assert eligibility(scheduler_api, patient, "ESI_TF", on=day(0))["allowed"] is True
    assert eligibility(scheduler_api, patient, "ESI_TF", on=day(1))["allowed"] is False
    assert eligibility(scheduler_api, patient, "ESI_TF", region="cervical", on=day(19))["allowed"]


def test_a_repeat_epidural_after_40_percent_relief_is_insufficient_response(patient, nurse_api):
    enter_history(nurse_api, patient, "ESI_IL", day(-30), relief=40)  # 2027-03-07

    answer = eligibility(nurse_api, patient, "ESI_TF")

    a_year_on = str(day(-30) + dt.timedelta(days=365))
    assert answer["eligible_from"] == a_year_on
    assert only_violation(answer) == {
        "code": "insufficient_response",
        "detail": "A repeat epidural needs at least 50% relief lasting 14 days: the ESI_IL on "
        "2027-03-07 in the lumbar/sacral region gave 40% relief, under the 50% needed.",
        "eligible_from": a_year_on,
    }


def test_a_repeat_epidural_after_an_unrecorded_one_waits_for_its_relief(patient, nurse_api):
    enter_history(nurse_api, patient, "ESI_IL", day(-30))

    violation = only_violation(eligibility(nurse_api, patient, "ESI_IL"))

    assert violation["code"] == "outcome_pending"
    assert "has no relief recorded" in violation["detail"]
    assert violation["eligible_from"] is None


# --- Spinal cord stimulation ------------------------------------------------------------------


def test_a_stimulator_trial_needs_a_psych_evaluation_that_cleared_the_patient_this_year(
    patient, nurse_api
):
    def trial():
        return eligibility(nurse_api, patient, "SCS_TRIAL", region="thoracic", side="bilateral")

    def evaluation(on, cleared):
        nurse_api.post(
            f"/api/patients/{patient.pk}/psych-evaluations/",
            {"performed_on": str(on), "cleared": cleared},
            format="json",
        )

    assert trial() == {
        "allowed": False,
        "eligible_from": None,
        "violations": [
            {
                "code": "psych_evaluation_required",
                "detail": "A SCS_TRIAL needs a psychological evaluation clearing the patient "
                "in the 365 days before it; none is on file.",
                "eligible_from": None,
            }
        ],
        "rule_set": "default",
    }
    evaluation(day(-400), True)
    assert codes(trial()) == ["psych_evaluation_required"]
    evaluation(day(-10), False)
    assert only_violation(trial())["detail"].endswith(
        "the evaluation on 2027-03-27 did not clear the patient."
    )
    # The most recent evaluation decides: an earlier clearance does not stand against it.
    evaluation(day(-30), True)
    assert codes(trial()) == ["psych_evaluation_required"]
    evaluation(day(-5), True)
    assert trial()["allowed"] is True


def test_an_implant_waits_for_the_trial_to_end_and_its_relief_to_be_recorded_after_it(
    clinic, patient, scheduler_api, nurse_api, clock
):
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2027-03-01", "cleared": True},
        format="json",
    )
    where = {"region": "thoracic", "side": "bilateral"}
    trial = done_here(
        scheduler_api, nurse_api, clock, clinic, patient, "SCS_TRIAL", day(1), **where
    )

    clock.move_to(at(day(3), 12))  # the trial of 2027-04-07 runs until 2027-04-14
    during = eligibility(nurse_api, patient, "SCS_IMPLANT", on=day(5), **where)
    assert codes(during) == ["pathway_incomplete"]
    assert during["violations"][0]["detail"] == (
        "The SCS_TRIAL of 2027-04-07 runs until 2027-04-14; no SCS_IMPLANT before it has "
        "ended and its relief is recorded."
    )
    # Waiting alone does not cure it: the trial's relief must be recorded after it ends.
    assert during["eligible_from"] is None

    # Relief recorded while the trial runs does not count.
    nurse_api.post(f"/api/appointments/{trial}/outcome/", {"relief_percent": 70})
    clock.move_to(at(day(9), 8))
    early = eligibility(nurse_api, patient, "SCS_IMPLANT", **where)
    assert only_violation(early) == {
        "code": "outcome_pending",
        "detail": "Record the relief of the SCS_TRIAL of 2027-04-07 after the trial ended on "
        "2027-04-14.",
        "eligible_from": None,
    }

    nurse_api.post(f"/api/appointments/{trial}/outcome/", {"pain_before": 8, "pain_after": 3})
    assert eligibility(nurse_api, patient, "SCS_IMPLANT", **where)["allowed"] is True
    # With the relief on file, the trial's end is the date that cures an earlier request.
    asked_early = eligibility(nurse_api, patient, "SCS_IMPLANT", on=day(5), **where)
    assert asked_early["eligible_from"] == "2027-04-14"
    assert only_violation(asked_early)["eligible_from"] == "2027-04-14"
    implant = book(scheduler_api, clinic, patient, "SCS_IMPLANT", at(day(10)), **where)
    assert implant.status_code == 201, implant.content


def test_the_trial_still_running_violation_has_no_date_while_its_relief_is_still_to_record(
    clinic, patient, scheduler_api, nurse_api, clock
):
    """Waiting past the trial's end does not cure it alone: the relief must be recorded after
    the trial ends, so API.md's eligible_from ("the date from which waiting alone cures the
    refusal") is null. With the relief already on file it is the trial's end: see the
    rule table tests."""
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2027-03-01", "cleared": True},
        format="json",
    )
    where = {"region": "thoracic", "side": "bilateral"}
    done_here(scheduler_api, nurse_api, clock, clinic, patient, "SCS_TRIAL", day(1), **where)
    clock.move_to(at(day(3), 12))

    during = eligibility(nurse_api, patient, "SCS_IMPLANT", on=day(5), **where)

    violation = only_violation(during)
    assert violation["code"] == "pathway_incomplete"
    assert "runs until 2027-04-14" in violation["detail"]
    assert violation["eligible_from"] is None
    assert during["eligible_from"] is None


def test_an_implant_after_a_trial_under_50_percent_is_insufficient_response(
    clinic, patient, scheduler_api, nurse_api, clock
):
    nurse_api.post(
        f"/api/patients/{patient.pk}/psych-evaluations/",
        {"performed_on": "2027-03-01", "cleared": True},
        format="json",
    )
    where = {"region": "thoracic", "side": "bilateral"}
    trial = done_here(
        scheduler_api, nurse_api, clock, clinic, patient, "SCS_TRIAL", day(1), **where
    )
    clock.move_to(at(day(9), 8))
    nurse_api.post(f"/api/appointments/{trial}/outcome/", {"relief_percent": 40})

    violation = only_violation(eligibility(nurse_api, patient, "SCS_IMPLANT", **where))

    assert violation == {
        "code": "insufficient_response",
        "detail": "The SCS_TRIAL of 2027-04-07 gave 40% relief; a SCS_IMPLANT needs at least 50%.",
        "eligible_from": None,
    }


def test_an_implant_without_a_trial_is_pathway_incomplete(patient, nurse_api):
    violation = only_violation(
        eligibility(nurse_api, patient, "SCS_IMPLANT", region="thoracic", side="bilateral")
    )

    assert violation["code"] == "pathway_incomplete"
    assert violation["detail"] == "A SCS_IMPLANT needs a completed SCS_TRIAL first."


def test_a_trial_done_elsewhere_and_entered_with_its_relief_leads_to_an_implant(patient, nurse_api):
    enter_history(
        nurse_api, patient, "SCS_TRIAL", day(-60), relief=70, region="thoracic", side="bilateral"
    )

    answer = eligibility(nurse_api, patient, "SCS_IMPLANT", region="thoracic", side="bilateral")

    assert answer["allowed"] is True, answer


# --- Sacroiliac joint and trigger points -------------------------------------------------------


def test_si_joint_injections_are_limited_to_four_per_region_and_a_bilateral_session_is_one(
    patient, nurse_api
):
    # The diagnostic step, on both sides at once; each injection's relief lasted three months,
    # so a repeat on either side waits for nothing but the limit.
    enter_history(
        nurse_api, patient, "SI_DIAG", day(-320), relief=80, region="sacral", side="bilateral"
    )
    for offset, side in ((-300, "left"), (-200, "bilateral"), (-100, "right")):
        enter_history(
            nurse_api,
            patient,
            "SI_JOINT",
            day(offset),
            relief=70,
            region="sacral",
            side=side,
            lasted=90,
        )

    def si_joint(side):
        return eligibility(nurse_api, patient, "SI_JOINT", region="sacral", side=side)

    # Three sessions, one of them bilateral: a fourth is allowed on either side or both.
    assert [si_joint(side)["allowed"] for side in ("left", "right", "bilateral")] == [True] * 3

    enter_history(
        nurse_api,
        patient,
        "SI_JOINT",
        day(-95),
        relief=70,
        region="sacral",
        side="left",
        lasted=90,
    )

    # Both sides count together: the right side, with two sessions of its own, is at the limit.
    oldest_leaves = str(day(-300 + 365))
    limit = {
        "code": "frequency_limit",
        "detail": "Sacroiliac joint injections: 4 per 12 months, both sides together: the "
        "lumbar/sacral region already has 4 in the 365 days up to 2027-04-06 (2026-06-10, "
        "2026-09-18, 2026-12-27, 2027-01-01).",
        "eligible_from": oldest_leaves,
    }
    for side in ("left", "right", "bilateral"):
        answer = si_joint(side)
        assert (answer["eligible_from"], answer["violations"]) == (oldest_leaves, [limit]), side


def test_trigger_point_injections_are_limited_to_three_in_twelve_months_anywhere(
    patient, nurse_api
):
    # Relief lasting six weeks each: a repeat is held by the limit alone.
    enter_history(nurse_api, patient, "TPI", day(-200), relief=60, region="cervical", lasted=42)
    enter_history(nurse_api, patient, "TPI", day(-100), relief=60, region="thoracic", lasted=42)
    enter_history(
        nurse_api, patient, "TPI", day(-45), relief=60, region="lumbar", side="right", lasted=42
    )

    answer = eligibility(nurse_api, patient, "TPI")

    assert answer["eligible_from"] == str(day(-200 + 365))
    assert only_violation(answer) == {
        "code": "frequency_limit",
        "detail": "Trigger point injections: 3 per 12 months: this patient already has 3 in the "
        "365 days up to 2027-04-06 (2026-09-18, 2026-12-27, 2027-02-20).",
        "eligible_from": "2027-09-18",
    }


# --- Booking and rescheduling ------------------------------------------------------------------


def test_a_refused_booking_lists_every_violation_and_writes_nothing(
    clinic, patient, scheduler_api, nurse_api
):
    enter_history(nurse_api, patient, "ESI_IL", day(-150), relief=70)
    enter_history(nurse_api, patient, "ESI_IL", day(-100), relief=70)
    enter_history(nurse_api, patient, "ESI_IL", day(-10), relief=40)  # 2027-03-27
    events_before = AuditEvent.objects.count()

    response = book(scheduler_api, clinic, patient, "ESI_TF", at(day(1)))

    a_year_after_the_last = str(day(-10 + 365))  # 2028-03-26
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "not_eligible"
    assert body["eligible_from"] == a_year_after_the_last
    assert body["detail"].startswith(
        f"ESI_TF on 2027-04-07 breaks 3 rules; allowed from {a_year_after_the_last}. "
        "Epidural steroid injections: 3 per region per 6 months:"
    )
    assert [(v["code"], v["eligible_from"]) for v in body["violations"]] == [
        ("frequency_limit", "2027-05-09"),
        ("min_interval", "2027-04-10"),
        ("insufficient_response", a_year_after_the_last),
    ]
    assert all(v["detail"] for v in body["violations"])
    assert not Appointment.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_a_second_epidural_cannot_be_booked_within_14_days_before_a_booked_one(
    clinic, patient, scheduler_api
):
    assert book(scheduler_api, clinic, patient, "ESI_IL", at(day(14))).status_code == 201

    response = book(scheduler_api, clinic, patient, "ESI_TF", at(day(9)))

    assert response.status_code == 422
    assert [v["code"] for v in response.json()["violations"]] == ["min_interval"]
    assert Appointment.objects.count() == 1


def test_a_case_moved_to_a_date_the_rules_forbid_is_refused_and_stays_put(
    clinic, patient, scheduler_api, nurse_api
):
    # Three epidurals in six months, with relief that lasted; the oldest (2026-10-14) leaves
    # the 183-day window on 2027-04-15.
    for offset in (-174, -120, -60):
        enter_history(nurse_api, patient, "ESI_IL", day(offset), relief=70, lasted=30)
    booked = book(scheduler_api, clinic, patient, "ESI_TF", at(day(10)))
    assert booked.status_code == 201, booked.content
    case = booked.json()["id"]

    refused = scheduler_api.post(
        f"/api/appointments/{case}/reschedule/", {"start": at(day(7)).isoformat()}
    )

    assert refused.status_code == 422
    assert refused.json()["code"] == "not_eligible"
    assert refused.json()["eligible_from"] == "2027-04-15"
    assert [v["code"] for v in refused.json()["violations"]] == ["frequency_limit"]
    assert Appointment.objects.get(pk=case).start == at(day(10))
    assert not AuditEvent.objects.filter(action="appointment.reschedule").exists()
    moved = scheduler_api.post(
        f"/api/appointments/{case}/reschedule/", {"start": at(day(9)).isoformat()}
    )
    assert moved.status_code == 200, moved.content


def test_a_case_moved_within_its_own_spacing_does_not_clash_with_itself(
    clinic, patient, scheduler_api
):
    case = book(scheduler_api, clinic, patient, "ESI_TF", at(day(10))).json()["id"]

    moved = scheduler_api.post(
        f"/api/appointments/{case}/reschedule/", {"start": at(day(8)).isoformat()}
    )

    assert moved.status_code == 200, moved.content


# --- Payers' rule sets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payer_code", "rule_set", "status"),
    [("bcbs", "commercial", 201), ("medicare", "medicare", 422), ("aetna", "evicore", 422)],
)
def test_two_60_percent_blocks_allow_an_ablation_only_under_the_commercial_rule_set(
    clinic, scheduler_api, nurse_api, payer_code, rule_set, status
):
    patient = PatientFactory(payer=payer(payer_code))
    enter_history(nurse_api, patient, "MBB", day(-40), relief=60)
    enter_history(nurse_api, patient, "MBB", day(-20), relief=60)

    answer = eligibility(scheduler_api, patient, "RFA")
    booked = book(scheduler_api, clinic, patient, "RFA", at(day(1)))

    assert answer["rule_set"] == rule_set
    assert booked.status_code == status, booked.content
    if status == 422:
        assert [v["code"] for v in booked.json()["violations"]] == ["pathway_incomplete"]
        assert "at least 80% relief" in booked.json()["violations"][0]["detail"]


# --- Outcomes ----------------------------------------------------------------------------------


@pytest.fixture
def completed_block(clinic, patient, scheduler_api, nurse_api, clock):
    """An MBB (lumbar right) done here tomorrow, relief not yet recorded; the clock stays then."""
    return done_here(scheduler_api, nurse_api, clock, clinic, patient, "MBB", day(1), side="right")


@pytest.mark.parametrize(
    ("body", "relief"),
    [
        ({"relief_percent": 85}, 85),
        ({"pain_before": 8, "pain_after": 2}, 75),
        ({"pain_before": 8, "pain_after": 9}, 0),
        ({"pain_before": 3, "pain_after": 0}, 100),
    ],
)
def test_relief_is_recorded_as_a_percentage_or_from_pain_scores(
    completed_block, nurse_api, body, relief
):
    response = nurse_api.post(f"/api/appointments/{completed_block}/outcome/", body)

    assert response.status_code == 200, response.content
    recorded = response.json()
    assert recorded["relief_percent"] == relief
    assert (recorded["pain_before"], recorded["pain_after"]) == (
        body.get("pain_before"),
        body.get("pain_after"),
    )
    assert recorded["outcome_recorded_at"]
    event = AuditEvent.objects.get(action="appointment.outcome")
    assert event.changes["relief_percent"] == [None, relief]


@pytest.mark.parametrize(
    "body",
    [
        {"relief_percent": 80, "pain_before": 8, "pain_after": 2},
        {"relief_percent": 80, "pain_before": 8},
        {},
        {"pain_before": 8},
        {"pain_before": 0, "pain_after": 0},
        {"pain_before": 11, "pain_after": 2},
        {"pain_before": 8, "pain_after": -1},
        {"relief_percent": 101},
    ],
    ids=lambda v: str(v),
)
def test_a_bad_outcome_is_a_400_and_records_nothing(completed_block, nurse_api, body):
    response = nurse_api.post(f"/api/appointments/{completed_block}/outcome/", body, format="json")

    assert response.status_code == 400
    assert Appointment.objects.get(pk=completed_block).relief_percent is None
    assert not AuditEvent.objects.filter(action="appointment.outcome").exists()


def test_relief_before_completion_is_an_invalid_transition(
    clinic, patient, scheduler_api, nurse_api
):
    case = book(scheduler_api, clinic, patient, "MBB", at(day(1))).json()["id"]

    response = nurse_api.post(f"/api/appointments/{case}/outcome/", {"relief_percent": 80})

    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "detail": "Relief is recorded once the case is completed; it is scheduled.",
    }
    assert Appointment.objects.get(pk=case).relief_percent is None


def test_only_nurses_and_managers_record_relief(completed_block, api_as, anon_api):
    url = f"/api/appointments/{completed_block}/outcome/"
    body = {"relief_percent": 80}

    assert anon_api.post(url, body).status_code == 401
    assert api_as(None).post(url, body).status_code == 403
    scheduler = api_as("scheduler").post(url, body)
    assert scheduler.status_code == 403
    assert scheduler.json()["code"] == "permission_denied"
    assert api_as("nurse").post(url, body).status_code == 200
    assert api_as("manager").post(url, {"relief_percent": 90}).status_code == 200


def test_the_second_block_waits_for_the_first_blocks_relief_then_books(
    completed_block, clinic, patient, scheduler_api, nurse_api
):
    second = at(day(8))

    refused = book(scheduler_api, clinic, patient, "MBB", second, side="right")
    assert refused.status_code == 422
    assert refused.json()["violations"] == [
        {
            "code": "outcome_pending",
            "detail": "The MBB of the lumbar right side on 2027-04-07 has no relief recorded; "
            "record its relief before booking another block.",
            "eligible_from": None,
        }
    ]
    assert refused.json()["eligible_from"] is None

    nurse_api.post(f"/api/appointments/{completed_block}/outcome/", {"relief_percent": 85})

    booked = book(scheduler_api, clinic, patient, "MBB", second, side="right")
    assert booked.status_code == 201, booked.content


def test_a_block_booked_and_not_done_holds_the_next_block(clinic, patient, scheduler_api):
    assert book(scheduler_api, clinic, patient, "MBB", at(day(1))).status_code == 201

    response = book(scheduler_api, clinic, patient, "MBB", at(day(8)))

    assert response.status_code == 422
    assert [v["code"] for v in response.json()["violations"]] == ["outcome_pending"]
    assert "is booked and not done yet" in response.json()["violations"][0]["detail"]


# --- Pathways ----------------------------------------------------------------------------------


def test_the_pathway_shows_one_positive_block_and_the_next_step(patient, nurse_api):
    enter_history(nurse_api, patient, "MBB", day(-20), relief=85, side="right")

    response = nurse_api.get(f"/api/patients/{patient.pk}/pathways/")

    assert response.status_code == 200
    [facet] = [p for p in response.json() if p["family"] == "facet"]
    assert facet["summary"] == (
        "facet, lumbar right: block 1 positive 85% on 2027-03-17; next: block 2, eligible now"
    )
    assert (facet["region"], facet["side"]) == ("lumbar", "right")
    assert facet["next_step"] == {
        "procedure": "MBB",
        "label": "block 2",
        "allowed": True,
        "eligible_from": "2027-04-06",
        "reason": "eligible now",
    }
    assert facet["sessions"] == [
        {
            "procedure": "MBB",
            "region": "lumbar",
            "side": "right",
            "date": "2027-03-17",
            "state": "done",
            "relief_percent": 85,
        }
    ]


def test_the_pathway_follows_a_block_done_here_through_its_recorded_relief(
    completed_block, patient, nurse_api
):
    def facet_summary():
        [facet] = [
            p
            for p in nurse_api.get(f"/api/patients/{patient.pk}/pathways/").json()
            if p["family"] == "facet"
        ]
        return facet["summary"]

    assert facet_summary().startswith(
        "facet, lumbar right: block 1 on 2027-04-07, relief not recorded; "
        "next: record relief of block 1, not yet: The MBB of the lumbar right side"
    )
    nurse_api.post(f"/api/appointments/{completed_block}/outcome/", {"relief_percent": 85})
    # Recorded the same day: block 2 is another day's session.
    assert facet_summary() == (
        "facet, lumbar right: block 1 positive 85% on 2027-04-07; next: block 2, "
        "eligible from 2027-04-08"
    )


def test_the_pathway_after_two_positive_blocks_offers_the_ablation(patient, nurse_api):
    enter_history(nurse_api, patient, "MBB", day(-40), relief=90, side="right")
    enter_history(nurse_api, patient, "MBB", day(-20), relief=85, side="right")

    [facet] = nurse_api.get(f"/api/patients/{patient.pk}/pathways/").json()

    assert facet["summary"] == (
        "facet, lumbar right: block 1 positive 90% on 2027-02-25; block 2 positive 85% on "
        "2027-03-17; next: RFA, eligible now"
    )


def test_pathways_need_a_known_patient_and_a_role(patient, nurse_api, anon_api):
    assert nurse_api.get(f"/api/patients/{patient.pk}/pathways/").json() == []
    assert nurse_api.get("/api/patients/424242/pathways/").status_code == 404
    assert anon_api.get(f"/api/patients/{patient.pk}/pathways/").status_code == 401


# --- Slot search with a patient ----------------------------------------------------------------


def slot_dates(api, patient, **params) -> list[dt.date]:
    query = {"procedure_type": "ESI_TF", "patient": patient.pk, "limit": 100, **params}
    response = api.get("/api/slots/", query)
    assert response.status_code == 200, response.content
    return [dt.datetime.fromisoformat(s["start"]).date() for s in response.json()]


def test_slots_for_a_patient_start_14_days_after_their_last_epidural(
    clinic, patient, scheduler_api, nurse_api, clock
):
    case = done_here(scheduler_api, nurse_api, clock, clinic, patient, "ESI_IL", day(1), relief=70)
    clock.move_to(at(day(1), 11))

    dates = slot_dates(scheduler_api, patient, region="lumbar", side="left")

    # Later the same day is the same session (the IL's level and a TF's make two, the TF's
    # limit); after it, a repeat waits for a follow-up showing the relief lasted 14 days.
    fourteen_days_on = day(15)  # 2027-04-21, a Wednesday
    assert set(dates) == {day(1)}
    # One region group a session: a cervical epidural waits for another day, and the
    # spacing and the relief are per region group, so that day comes before the lumbar one.
    cervical = slot_dates(scheduler_api, patient, region="cervical", side="left")
    assert day(1) < cervical[0] < fourteen_days_on

    def follow_up(on, relief):
        body = {"assessed_on": str(on), "relief_percent": relief}
        recorded = nurse_api.post(f"/api/appointments/{case}/follow-ups/", body, format="json")
        assert recorded.status_code == 201, recorded.content

    # A follow-up thirteen days on proves nothing yet, however good the relief.
    clock.move_to(at(day(14), 7))
    follow_up(day(14), 70)
    assert slot_dates(scheduler_api, patient, region="lumbar", side="left") == []

    clock.move_to(at(fourteen_days_on, 7))
    follow_up(fourteen_days_on, 60)
    starts = [
        dt.datetime.fromisoformat(s["start"])
        for s in scheduler_api.get(
            "/api/slots/",
            {
                "procedure_type": "ESI_TF",
                "patient": patient.pk,
                "region": "lumbar",
                "side": "left",
                "limit": 100,
            },
        ).json()
    ]
    assert min(starts) == at(fourteen_days_on, 8)


def test_slots_after_a_booked_epidural_wait_for_its_relief(clinic, patient, scheduler_api):
    assert book(scheduler_api, clinic, patient, "ESI_IL", at(day(2))).status_code == 201

    assert slot_dates(scheduler_api, patient, region="lumbar", side="left") == []


def test_slot_search_with_a_patient_needs_region_and_side(patient, scheduler_api):
    response = scheduler_api.get("/api/slots/", {"procedure_type": "ESI_TF", "patient": patient.pk})

    assert response.status_code == 400
    assert set(response.json()) == {"region", "side"}
