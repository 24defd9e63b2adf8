"""The dashboard's exceptions: checklist overrides, authorizations expiring, and the
authorization pipeline of the next clinic days.

Cases are booked, ticked and checked in through the services; authorizations are recorded
through the service the desk uses, which re-plans the patient's checklists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from clinic.models import Patient
from procedures.models import AuthorizationStatus, PayerPriorAuthorization
from scheduling import services
from scheduling.dashboard.exceptions import (
    authorization_pipeline,
    authorizations_expiring,
    checklist_overrides,
    working_days,
)
from scheduling.dashboard.filters import Filters
from scheduling.models import Appointment, ChecklistItem, ClinicDay
from tests.factories import PatientFactory, payer
from tests.scheduling_helpers import SmallClinic, book_case, local


def d(month: int, day: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def patient_of(code: str, first: str, last: str) -> Patient:
    return PatientFactory(first_name=first, last_name=last, payer=payer(code))


def authorize(
    patient: Patient,
    number: str,
    valid: tuple[dt.date, dt.date] | None,
    procedure: str = "MBB",
) -> None:
    """The payer's answer (approved from-to), or a request still waiting (None)."""
    fields: dict[str, object] = (
        {"status": AuthorizationStatus.REQUESTED}
        if valid is None
        else {
            "status": AuthorizationStatus.APPROVED,
            "number": number,
            "valid_from": valid[0],
            "valid_to": valid[1],
        }
    )
    services.authorization_save(
        patient=patient,
        acting_user=None,
        procedure_type=SmallClinic.procedure(procedure),
        payer=patient.payer,
        **fields,
    )


# --- Checklist overrides -------------------------------------------------------------------------

MONDAY = local(2026, 11, 16, 7, 30)
MONDAY_ONLY = Filters(first=d(11, 16), last=d(11, 16))


def tick(case: Appointment, *codes: str) -> None:
    for item in ChecklistItem.objects.filter(appointment=case, code__in=codes):
        services.checklist_tick(
            appointment=case, item=item, done=True, value=None, acting_user=None
        )


@pytest.fixture
def overrides(clinic: SmallClinic, make_staff, clock):
    """Monday 16 November: Ines (Medicare, Dr. Chen) checked in by Kay Moss with her identity
    and consent ticked, infection, prior authorization and contrast checks open; Ola
    (Dr. Ortiz) checked in by "nurse-2" with nothing ticked; Pat's list complete (no
    override). Tuesday: Rui's case overridden too."""
    kay = make_staff("nurse", "kay")
    kay.first_name, kay.last_name = "Kay", "Moss"
    kay.save(update_fields=["first_name", "last_name"])
    plain = make_staff("nurse", "nurse-2")
    ines = book_case(
        clinic, patient=patient_of("medicare", "Ines", "Duarte"), start=local(2026, 11, 16, 9)
    )
    ola = book_case(
        clinic,
        patient=PatientFactory(first_name="Ola", last_name="Berg"),
        start=local(2026, 11, 16, 9),
        provider=clinic.ortiz,
        room=clinic.suite2,
    )
    pat = book_case(clinic, start=local(2026, 11, 16, 11))
    rui = book_case(clinic, start=local(2026, 11, 17, 9))

    clock.move_to(local(2026, 11, 16, 8, 40))
    tick(ines, "identity", "consent")
    services.appointment_check_in(
        appointment=ines, acting_user=kay, override_reason="Authorization faxed, on its way"
    )
    clock.move_to(local(2026, 11, 16, 8, 50))
    services.appointment_check_in(appointment=ola, acting_user=plain, override_reason="Paper list")
    tick(pat, "identity", "consent", "no_infection", "contrast_allergy")
    services.appointment_check_in(appointment=pat, acting_user=kay)
    clock.move_to(local(2026, 11, 17, 8, 50))
    services.appointment_check_in(appointment=rui, acting_user=kay, override_reason="Late")
    return ines, ola


@pytest.mark.clock_at(MONDAY)
def test_overrides_say_who_which_items_by_label_and_why_newest_first(
    overrides, django_assert_num_queries
):
    ines, ola = overrides

    with django_assert_num_queries(3):  # the events, their cases, the items' labels
        table = checklist_overrides(MONDAY_ONLY)

    assert table.rows == [
        {
            "at": local(2026, 11, 16, 8, 50),
            "case": "Medial branch block (diagnostic) at 09:00",
            "case_url": f"/appointments/{ola.pk}/",
            "patient": "Ola Berg",
            "patient_id": ola.patient_id,
            "patient_url": f"/patients/{ola.patient_id}/",
            "who": "nurse-2",
            "items": "Identity, procedure, region and side confirmed; Consent signed; "
            "No fever, infection or antibiotics; Contrast allergy reviewed",
            "reason": "Paper list",
        },
        {
            "at": local(2026, 11, 16, 8, 40),
            "case": "Medial branch block (diagnostic) at 09:00",
            "case_url": f"/appointments/{ines.pk}/",
            "patient": "Ines Duarte",
            "patient_id": ines.patient_id,
            "patient_url": f"/patients/{ines.patient_id}/",
            "who": "Kay Moss",
            "items": "No fever, infection or antibiotics; "
            "Prior authorization approved, number recorded; Contrast allergy reviewed",
            "reason": "Authorization faxed, on its way",
        },
    ]
    assert table.slug == "checklist-overrides"


@pytest.mark.clock_at(MONDAY)
def test_overrides_follow_the_filters_and_the_range(overrides, clinic):
    chen = checklist_overrides(replace(MONDAY_ONLY, provider_id=clinic.chen.pk))
    assert [r["patient"] for r in chen.rows] == ["Ines Duarte"]
    medicare = checklist_overrides(replace(MONDAY_ONLY, payer_id=payer("medicare").pk))
    assert [r["patient"] for r in medicare.rows] == ["Ines Duarte"]
    # Tuesday's override joins when the range reaches it.
    week = checklist_overrides(Filters(first=d(11, 16), last=d(11, 22)))
    assert [r["reason"] for r in week.rows] == [
        "Late",
        "Paper list",
        "Authorization faxed, on its way",
    ]
    assert checklist_overrides(Filters(first=d(11, 18), last=d(11, 30))).rows == []


# --- Authorizations expiring ---------------------------------------------------------------------

WEDNESDAY = local(2026, 11, 18, 7, 30)  # today; 14 days ahead is Wed 2 December
LAST_MONTH = Filters(first=d(10, 1), last=d(10, 31))


@pytest.fixture
def ending(clinic: SmallClinic, settings):
    """Wed 18 November, a 14-day window (to 2 December):

    Jon: MC-4411 ends 25 Nov, his next case is 10 Dec: not covered.
    Lea: MC-2 ends 25 Nov, renewed by MC-3 (26 Nov - 31 Jan): her 10 Dec case is covered.
    Noa: an ablation authorization ending 28 Nov, no case booked.
    Kim: MC-1 ends 30 Nov, covers her case on 23 Nov.
    Ada (Aetna): AE-9 ends 1 Dec, no case.
    Max: ends 20 Dec, outside the window; Eva: a request with no dates yet.
    """
    settings.DASHBOARD_EXPIRING_DAYS = 14
    jon = patient_of("medicare", "Jon", "Berg")
    jon_case = book_case(clinic, patient=jon, start=local(2026, 12, 10, 9))
    authorize(jon, "MC-4411", (d(11, 1), d(11, 25)))
    lea = patient_of("medicare", "Lea", "Renewed")
    book_case(clinic, patient=lea, start=local(2026, 12, 10, 10))
    authorize(lea, "MC-2", (d(11, 1), d(11, 25)))
    authorize(lea, "MC-3", (d(11, 26), d(1, 31, 2027)))
    noa = patient_of("medicare", "Noa", "Ablate")
    authorize(noa, "MC-77", (d(11, 1), d(11, 28)), procedure="RFA")
    kim = patient_of("medicare", "Kim", "Covered")
    kim_case = book_case(clinic, patient=kim, start=local(2026, 11, 23, 9))
    authorize(kim, "MC-1", (d(11, 1), d(11, 30)))
    ada = patient_of("aetna", "Ada", "Stone")
    authorize(ada, "AE-9", (d(11, 2), d(12, 1)))
    authorize(patient_of("medicare", "Max", "Later"), "MC-5", (d(11, 1), d(12, 20)))
    authorize(patient_of("medicare", "Eva", "Asked"), "", None)
    return jon_case, kim_case


def summary(table) -> list[tuple]:
    return [
        (r["patient"], r["number"], r["ends"], r["next_case"], r["covered"]) for r in table.rows
    ]


@pytest.mark.clock_at(WEDNESDAY)
def test_authorizations_ending_in_the_next_two_weeks_with_the_next_case(
    ending, django_assert_num_queries
):
    jon_case, kim_case = ending

    # The range is last month's: the list is always counted from today.
    with django_assert_num_queries(1):  # the authorizations, their next case and its coverage
        table = authorizations_expiring(LAST_MONTH)

    assert summary(table) == [
        (
            "Jon Berg",
            "MC-4411",
            d(11, 25),
            local(2026, 12, 10, 9),
            "No: ask the payer to extend it",
        ),
        ("Lea Renewed", "MC-2", d(11, 25), local(2026, 12, 10, 10), "Yes"),
        ("Noa Ablate", "MC-77", d(11, 28), None, None),
        ("Kim Covered", "MC-1", d(11, 30), local(2026, 11, 23, 9), "Yes"),
        ("Ada Stone", "AE-9", d(12, 1), None, None),
    ]
    jon = table.rows[0]
    assert jon["next_case_url"] == f"/appointments/{jon_case.pk}/"
    assert jon["patient_url"] == f"/patients/{jon_case.patient_id}/"
    assert (jon["procedure"], jon["payer"]) == ("Medial branch block (diagnostic)", "Medicare")
    assert table.rows[2]["procedure"] == "Radiofrequency ablation of medial branches"
    assert table.rows[2]["next_case_url"] is None
    assert table.rows[3]["next_case_url"] == f"/appointments/{kim_case.pk}/"
    assert table.notes == []


@pytest.mark.clock_at(WEDNESDAY)
def test_expiring_authorizations_follow_the_payer_and_procedure_filters_only(ending, clinic):
    aetna = authorizations_expiring(replace(LAST_MONTH, payer_id=payer("aetna").pk))
    assert [r["number"] for r in aetna.rows] == ["AE-9"]
    ablations = authorizations_expiring(
        replace(LAST_MONTH, procedure_id=SmallClinic.procedure("RFA").pk)
    )
    assert [r["number"] for r in ablations.rows] == ["MC-77"]
    # A provider filter cannot apply to an authorization: the list stays, and says so.
    by_provider = authorizations_expiring(replace(LAST_MONTH, provider_id=clinic.ortiz.pk))
    assert len(by_provider.rows) == 5
    assert by_provider.notes == ["The provider and room filters do not apply to authorizations."]


@pytest.mark.clock_at(WEDNESDAY)
def test_the_expiring_window_follows_the_setting(ending, settings):
    settings.DASHBOARD_EXPIRING_DAYS = 7  # to Wed 25 November, its last day included
    table = authorizations_expiring(LAST_MONTH)
    assert [r["number"] for r in table.rows] == ["MC-4411", "MC-2"]
    assert "next 7 days" in table.definition
    assert table.empty == "No approved authorization ends in the next 7 days."


# --- Authorization pipeline ----------------------------------------------------------------------

FRIDAY = local(2026, 3, 6, 7, 0)  # Fri 6 March 2026: five clinic days run to Thu 12 March


@pytest.mark.clock_at(FRIDAY)
def test_working_days_skip_weekends_closures_and_public_holidays(db):
    assert working_days(d(3, 6), 5) == [d(3, 6), d(3, 9), d(3, 10), d(3, 11), d(3, 12)]
    ClinicDay.objects.create(date=d(3, 10), closed=True, name="Snow day")
    assert working_days(d(3, 6), 5) == [d(3, 6), d(3, 9), d(3, 11), d(3, 12), d(3, 13)]
    # Fri 3 July 2026 is Independence Day observed; a Saturday start waits for Monday.
    assert working_days(d(7, 2), 2) == [d(7, 2), d(7, 6)]
    assert working_days(d(3, 7), 1) == [d(3, 9)]


@pytest.fixture
def pipeline(clinic: SmallClinic, settings):
    """Fri 6 March 2026, Medicare patients' blocks (each needs prior authorization):

    Ana Fri 6 at 9: nothing asked. Ben Mon 9 at 9: asked, waiting for the payer.
    Gus (Aetna, which here lists the block too) Tue 10 at 9, Dr. Ortiz: nothing asked.
    Cy Thu 12 at 9: approved MC-1, ending Mon 9 March. Dee Fri 13 at 9: nothing asked
    (a sixth clinic day). Eve Wed 11 at 9: covered. Fay Wed 11 at 10: cancelled.
    """
    settings.DASHBOARD_AUTH_WORKING_DAYS = 5
    PayerPriorAuthorization.objects.create(
        payer=payer("aetna"), procedure_type=SmallClinic.procedure("MBB")
    )

    def case(first: str, start: dt.datetime, code: str = "medicare", **place) -> Appointment:
        return book_case(clinic, patient=patient_of(code, first, "Case"), start=start, **place)

    ana = case("Ana", local(2026, 3, 6, 9))
    ben = case("Ben", local(2026, 3, 9, 9))
    authorize(ben.patient, "", None)
    gus = case("Gus", local(2026, 3, 10, 9), "aetna", provider=clinic.ortiz, room=clinic.suite2)
    cy = case("Cy", local(2026, 3, 12, 9))
    authorize(cy.patient, "MC-1", (d(3, 1), d(3, 9)))
    dee = case("Dee", local(2026, 3, 13, 9))
    eve = case("Eve", local(2026, 3, 11, 9))
    authorize(eve.patient, "MC-2", (d(3, 1), d(3, 31)))
    fay = case("Fay", local(2026, 3, 11, 10))
    services.appointment_cancel(appointment=fay, reason="Moved away", acting_user=None)
    return ana, ben, gus, cy, dee


def reasons(table) -> list[tuple[str, str]]:
    return [(r["patient"], r["reason"]) for r in table.rows]


@pytest.mark.clock_at(FRIDAY)
def test_the_pipeline_lists_open_authorizations_of_the_next_five_clinic_days_with_why(
    pipeline, django_assert_num_queries
):
    ana, *_ = pipeline

    authorization_pipeline(Filters(first=d(1, 1), last=d(1, 31)))  # the calendar is kept
    # The rules version (the calendar is kept while it stands), the cases, their
    # authorizations.
    with django_assert_num_queries(3):
        table = authorization_pipeline(Filters(first=d(1, 1), last=d(1, 31)))

    assert reasons(table) == [
        ("Ana Case", "Prior authorization missing: none approved covers 6 March 2026."),
        (
            "Ben Case",
            "Prior authorization missing: none approved covers 9 March 2026. "
            "A request is waiting for the payer's answer.",
        ),
        ("Gus Case", "Prior authorization missing: none approved covers 10 March 2026."),
        (
            "Cy Case",
            "Prior authorization MC-1 ends on 9 March 2026, before this case on 12 March 2026: "
            "ask the payer to extend it.",
        ),
    ]
    first = table.rows[0]
    assert first["start"] == local(2026, 3, 6, 9)
    assert (first["procedure"], first["payer"]) == ("Medial branch block (diagnostic)", "Medicare")
    assert first["case"] == f"Case {ana.pk}"
    assert first["case_url"] == f"/appointments/{ana.pk}/"
    assert first["patient_url"] == f"/patients/{ana.patient_id}/"
    assert table.notes == ["Clinic days counted: Fri 6 Mar 2026 to Thu 12 Mar 2026."]


@pytest.mark.clock_at(FRIDAY)
def test_a_closed_day_pushes_the_pipeline_one_clinic_day_further(pipeline):
    ClinicDay.objects.create(date=d(3, 10), closed=True, name="Snow day")

    table = authorization_pipeline(Filters.default())

    # Gus's case on the closed day is still in the span; Dee's Friday is now the fifth day.
    assert [r["patient"] for r in table.rows] == [
        "Ana Case",
        "Ben Case",
        "Gus Case",
        "Cy Case",
        "Dee Case",
    ]
    assert table.notes == ["Clinic days counted: Fri 6 Mar 2026 to Fri 13 Mar 2026."]


@pytest.mark.clock_at(FRIDAY)
def test_the_pipeline_follows_the_provider_and_payer_filters(pipeline, clinic):
    everyone = Filters.default()
    ortiz = authorization_pipeline(replace(everyone, provider_id=clinic.ortiz.pk))
    assert [r["patient"] for r in ortiz.rows] == ["Gus Case"]
    assert ortiz.rows[0]["payer"] == "Aetna"
    medicare = authorization_pipeline(replace(everyone, payer_id=payer("medicare").pk))
    assert [r["patient"] for r in medicare.rows] == ["Ana Case", "Ben Case", "Cy Case"]
    nobody = authorization_pipeline(replace(everyone, payer_id=payer("cigna").pk))
    assert nobody.rows == []
    assert nobody.empty == "Every case on the next 5 clinic days has its prior authorization."


@pytest.mark.clock_at(FRIDAY)
def test_ticking_the_authorization_item_takes_the_case_off_the_pipeline(pipeline):
    ana, *_ = pipeline
    authorize(ana.patient, "MC-9", (d(3, 1), d(3, 31)))  # re-plans Ana's checklist

    assert "Ana Case" not in [r["patient"] for r in authorization_pipeline(Filters.default()).rows]
