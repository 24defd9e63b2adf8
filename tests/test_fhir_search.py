"""FHIR searches: date prefixes, references, tokens, strings, paging to the end, lenient and
strict handling of parameters we do not support, and Slot as the slot search sees it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.slot import Slot
from rest_framework.test import APIClient

from clinic.models import Provider
from procedures.models import ProcedureType
from scheduling import services
from scheduling.models import Appointment
from scheduling.slots import SlotQuery, find_slots
from tests.factories import PatientFactory
from tests.scheduling_helpers import book_case, local

NOW = local(2026, 11, 16, 7, 0)  # a Monday morning
pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(NOW)]

BASE = "/fhir/R4/"


def search(client: APIClient, kind: str, params: Any = None, **headers: str) -> Bundle:
    response = client.get(BASE + kind, params or {}, **headers)
    assert response.status_code == 200, response.content
    return Bundle.model_validate(response.json())


def ids(found: Bundle) -> list[int]:
    return [int(entry.resource.id) for entry in found.entry or []]


def bad_parameter(client: APIClient, kind: str, params: Any, **headers: str) -> OperationOutcome:
    response = client.get(BASE + kind, params, **headers)
    assert response.status_code == 400, response.content
    return OperationOutcome.model_validate(response.json())


@pytest.fixture
def week(clinic):
    """A case at 09:00 on Monday, Tuesday and Wednesday: Chen in Suite 1 on Monday and
    Wednesday, Ortiz in Suite 2 on Tuesday; Alice has Monday's and Wednesday's."""
    alice = PatientFactory(first_name="Alice", last_name="Moreno")
    monday = book_case(clinic, patient=alice, start=local(2026, 11, 16, 9, 0))
    tuesday = book_case(
        clinic, start=local(2026, 11, 17, 9, 0), provider=clinic.ortiz, room=clinic.suite2
    )
    wednesday = book_case(
        clinic, patient=alice, start=local(2026, 11, 18, 9, 0), code="ESI_IL", region="cervical"
    )
    return {"mon": monday.pk, "tue": tuesday.pk, "wed": wednesday.pk, "alice": alice}


# --- Appointment -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2026-11-17"], ["tue"]),
        (["eq2026-11-17"], ["tue"]),
        (["ge2026-11-17"], ["tue", "wed"]),
        (["gt2026-11-17"], ["wed"]),
        (["le2026-11-17"], ["mon", "tue"]),
        (["lt2026-11-17"], ["mon"]),
        (["ge2026-11-16", "lt2026-11-18"], ["mon", "tue"]),
        (["2026-11"], ["mon", "tue", "wed"]),
        (["2026"], ["mon", "tue", "wed"]),
        (["2026-12"], []),
        (["ge2026-11-17T09:00:00-05:00"], ["tue", "wed"]),
        (["gt2026-11-17T09:00:00-05:00"], ["wed"]),
        (["2026-11-17T09:00"], ["tue"]),  # no offset: the clinic's clock
        (["2026-11-17T14:00:00Z"], ["tue"]),  # 09:00 in New York
        (["lt2026-11-17T09:00:00-05:00"], ["mon"]),
        (["2026-11-16,2026-11-18"], ["mon", "wed"]),  # a comma is OR
    ],
)
def test_appointment_date_prefixes_select_by_the_start_on_the_clinics_clock(
    scheduler_api, week, dates, expected
):
    found = search(scheduler_api, "Appointment", {"date": dates})

    assert ids(found) == [week[day] for day in expected]
    assert found.total == len(expected)


def test_appointments_are_found_by_practitioner_patient_and_location_in_every_reference_form(
    scheduler_api, clinic, week
):
    chen, ortiz = clinic.chen.pk, clinic.ortiz.pk
    alice = week["alice"].pk

    assert ids(search(scheduler_api, "Appointment", {"practitioner": f"Practitioner/{chen}"})) == [
        week["mon"],
        week["wed"],
    ]
    assert ids(search(scheduler_api, "Appointment", {"practitioner": str(ortiz)})) == [week["tue"]]
    absolute = f"http://testserver{BASE}Patient/{alice}"
    assert ids(search(scheduler_api, "Appointment", {"patient": absolute})) == [
        week["mon"],
        week["wed"],
    ]
    assert ids(
        search(scheduler_api, "Appointment", {"location": f"Location/{clinic.suite2.pk}"})
    ) == [week["tue"]]
    both = {"patient": f"Patient/{alice}", "date": "ge2026-11-17"}
    assert ids(search(scheduler_api, "Appointment", both)) == [week["wed"]]
    either = {"practitioner": f"Practitioner/{chen},Practitioner/{ortiz}"}
    assert ids(search(scheduler_api, "Appointment", either)) == [
        week["mon"],
        week["tue"],
        week["wed"],
    ]
    assert ids(search(scheduler_api, "Appointment", {"_id": f"{week['tue']},999999"})) == [
        week["tue"]
    ]


def test_appointments_are_found_by_fhir_status_codes(scheduler_api, week):
    services.appointment_cancel(
        appointment=Appointment.objects.get(pk=week["tue"]),
        reason="Ill",
        cause="patient_ill",
        acting_user=None,
    )

    assert ids(search(scheduler_api, "Appointment", {"status": "cancelled"})) == [week["tue"]]
    assert ids(search(scheduler_api, "Appointment", {"status": "booked"})) == [
        week["mon"],
        week["wed"],
    ]
    assert ids(search(scheduler_api, "Appointment", {"status": "booked,cancelled"})) == [
        week["mon"],
        week["tue"],
        week["wed"],
    ]
    system = "http://hl7.org/fhir/appointmentstatus"
    assert ids(search(scheduler_api, "Appointment", {"status": f"{system}|cancelled"})) == [
        week["tue"]
    ]
    # A FHIR status this clinic never uses matches nothing.
    assert ids(search(scheduler_api, "Appointment", {"status": "proposed"})) == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"date": "tomorrow"}, "date"),
        ({"date": "ne2026-11-17"}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"date": "1800-01-01"}, "date"),
        ({"date": "2026-11-17T25:00"}, "date"),
        ({"status": "scheduled"}, "status"),  # ours, not FHIR's
        ({"practitioner": "Patient/1"}, "practitioner"),
        ({"patient": "Patient/alice"}, "patient"),
        ({"patient": "9" * 30}, "patient"),
        ({"_count": "many"}, "_count"),
        ({"_page": "0"}, "_page"),
        ({"status:text": "booked"}, "status:text"),
    ],
)
def test_a_value_that_cannot_be_read_is_a_400_naming_the_parameter(
    scheduler_api, week, params, named
):
    outcome = bad_parameter(scheduler_api, "Appointment", params)

    [issue] = outcome.issue
    assert issue.code == "invalid"
    assert issue.expression == [named]
    assert issue.diagnostics.startswith(f"{named}: ")


def test_an_unsupported_parameter_is_ignored_and_left_out_of_the_links(scheduler_api, week):
    found = search(scheduler_api, "Appointment", {"_sort": "-date", "color": "red", "date": ""})

    assert ids(found) == [week["mon"], week["tue"], week["wed"]]
    for link in found.link:
        assert "_sort" not in link.url and "color" not in link.url and "date" not in link.url


def test_under_strict_handling_an_unsupported_parameter_is_a_400(scheduler_api, week):
    outcome = bad_parameter(
        scheduler_api, "Appointment", {"color": "red"}, HTTP_PREFER="handling=strict"
    )

    assert outcome.issue[0].expression == ["color"]


# --- Paging --------------------------------------------------------------------------------------


def _follow(client: APIClient, url: str) -> list[Bundle]:
    pages = []
    while url:
        parts = urlsplit(url)
        response = client.get(parts.path, dict(parse_qsl(parts.query)))
        assert response.status_code == 200, response.content
        page = Bundle.model_validate(response.json())
        pages.append(page)
        url = next((link.url for link in page.link if link.relation == "next"), "")
    return pages


def test_following_next_links_reads_every_match_once_in_order_with_the_total_on_each_page(
    scheduler_api, clinic
):
    booked = [
        book_case(clinic, start=local(2026, 11, 16 + day, 9 + hour, 0)).pk
        for day in range(2)
        for hour in range(4)
    ]  # 8 cases
    first = search(scheduler_api, "Appointment", {"date": "ge2026-11-16", "_count": 3})
    self_url = next(link.url for link in first.link if link.relation == "self")

    pages = _follow(scheduler_api, self_url)

    assert [len(page.entry) for page in pages] == [3, 3, 2]
    assert [ids(page) for page in pages] == [booked[:3], booked[3:6], booked[6:]]
    assert {page.total for page in pages} == {8}
    relations = [{link.relation for link in page.link} for page in pages]
    assert relations == [
        {"self", "first", "next", "last"},
        {"self", "first", "previous", "next", "last"},
        {"self", "first", "previous", "last"},
    ]
    last = next(link.url for link in pages[0].link if link.relation == "last")
    assert dict(parse_qsl(urlsplit(last).query)) == {
        "date": "ge2026-11-16",
        "_count": "3",
        "_page": "3",
    }


def test_count_defaults_to_20_is_held_to_100_and_zero_gives_the_total_alone(scheduler_api, clinic):
    for index in range(22):
        day, hour = divmod(index, 8)
        book_case(clinic, start=local(2026, 11, 16 + day, 8 + hour, 0))

    assert len(search(scheduler_api, "Patient").entry) == 20
    assert len(search(scheduler_api, "Patient", {"_count": 500}).entry) == 22
    counted = search(scheduler_api, "Patient", {"_count": 0})
    assert (counted.total, counted.entry) == (22, None)
    beyond = search(scheduler_api, "Patient", {"_page": 9})
    assert (beyond.total, beyond.entry) == (22, None)


# --- Patient, Practitioner, Location, Schedule ---------------------------------------------------


def test_patients_are_found_by_mrn_name_and_birth_date(scheduler_api, db):
    ann = PatientFactory(
        mrn="A-100", first_name="Ann", last_name="Lee", birth_date=dt.date(1970, 3, 2)
    )
    bo = PatientFactory(
        mrn="B-200", first_name="Bo", last_name="Annan", birth_date=dt.date(1985, 7, 9)
    )
    mrn = "urn:painclinic:mrn"

    def found(**params: str) -> list[int]:
        return ids(search(scheduler_api, "Patient", params))

    assert found(identifier="A-100") == [ann.pk]
    assert found(identifier=f"{mrn}|B-200") == [bo.pk]
    assert found(identifier="http://elsewhere|A-100") == []
    assert found(name="ann") == [bo.pk, ann.pk]  # first name Ann, last name Annan
    assert found(**{"name:exact": "Ann"}) == [ann.pk]
    assert found(**{"name:contains": "nna"}) == [bo.pk]
    assert found(birthdate="1970-03-02") == [ann.pk]
    assert found(birthdate="lt1980") == [ann.pk]
    assert found(birthdate="ge1980-01-01") == [bo.pk]
    assert found(birthdate="1985-07") == [bo.pk]


def test_practitioners_locations_and_schedules_are_found_by_their_parameters(scheduler_api, clinic):
    def found(kind: str, **params: str) -> list[int]:
        return ids(search(scheduler_api, kind, params))

    npi = "http://hl7.org/fhir/sid/us-npi"
    assert found("Practitioner", name="chen") == [clinic.chen.pk]  # "Dr. Chen": any word
    assert found("Practitioner", name="dr") == [clinic.chen.pk, clinic.ortiz.pk]
    assert found("Practitioner", identifier=f"{npi}|{clinic.ortiz.npi}") == [clinic.ortiz.pk]
    assert found("Location", name="suite") == [clinic.suite1.pk, clinic.suite2.pk]
    assert found("Location", name="exam") == [clinic.exam.pk]
    assert found("Schedule", actor=f"Practitioner/{clinic.ortiz.pk}") == [clinic.ortiz.pk]
    assert found("Schedule") == [clinic.chen.pk, clinic.ortiz.pk]


# --- Slot ----------------------------------------------------------------------------------------


def _slots(found: Bundle) -> list[Slot]:
    return [entry.resource for entry in found.entry or []]


def test_slots_are_exactly_what_the_slot_search_finds_for_the_same_query(scheduler_api, clinic):
    book_case(clinic, start=local(2026, 11, 16, 9, 0))  # Chen busy 09:00-09:30 on Monday
    params = {
        "schedule": f"Schedule/{clinic.chen.pk}",
        "service-type": "MBB",
        "start": ["ge2026-11-16", "lt2026-11-18"],
        "_count": 100,
    }

    found = search(scheduler_api, "Slot", params)
    expected = find_slots(
        SlotQuery(
            procedure_type=ProcedureType.objects.get(code="MBB"),
            after=NOW,
            provider=clinic.chen,
            days=2,
            limit=1000,
        )
    )
    expected = [slot for slot in expected if slot.start < local(2026, 11, 18)]

    slots = _slots(found)
    assert found.total == len(expected) == len(slots)
    assert [(s.start, s.end) for s in slots] == [(e.start, e.end) for e in expected]
    assert [s.comment for s in slots] == [f"In {e.room.name}." for e in expected]
    assert local(2026, 11, 16, 9, 0) not in [s.start for s in slots]
    assert {s.status for s in slots} == {"free"}
    assert {s.schedule.reference for s in slots} == {f"Schedule/{clinic.chen.pk}"}
    assert slots[0].serviceType[0].coding[0].code == "MBB"


def test_without_a_service_type_slots_fit_the_shortest_active_procedure(scheduler_api, clinic):
    found = search(scheduler_api, "Slot", {"schedule": clinic.chen.pk, "start": "2026-11-16"})

    slots = _slots(found)
    shortest = ProcedureType.objects.filter(active=True).order_by("duration_minutes").first()
    assert {s.serviceType[0].coding[0].code for s in slots} == {shortest.code}
    assert {s.end - s.start for s in slots} == {dt.timedelta(minutes=shortest.duration_minutes)}
    # Monday 08:00-17:00 on a 15-minute grid, the last start leaving room for the case.
    assert found.total == (9 * 60 - shortest.duration_minutes) // 15 + 1


def test_slot_pages_follow_to_the_end_with_the_total_right(scheduler_api, clinic):
    first = search(
        scheduler_api,
        "Slot",
        {"schedule": clinic.chen.pk, "start": "2026-11-16", "service-type": "RFA", "_count": 10},
    )
    self_url = next(link.url for link in first.link if link.relation == "self")

    pages = _follow(scheduler_api, self_url)

    starts = [slot.start for page in pages for slot in _slots(page)]
    assert len(starts) == first.total == len(set(starts))
    assert starts == sorted(starts)


def test_a_slot_reads_by_its_id_while_free_and_is_gone_once_booked(scheduler_api, clinic):
    found = search(scheduler_api, "Slot", {"schedule": clinic.chen.pk, "service-type": "MBB"})
    slot = _slots(found)[0]

    assert scheduler_api.get(BASE + f"Slot/{slot.id}").status_code == 200
    book_case(clinic, start=slot.start, provider=clinic.chen)
    assert scheduler_api.get(BASE + f"Slot/{slot.id}").status_code == 404


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, "schedule"),
        ({"schedule": "Practitioner/1"}, "schedule"),
        ({"schedule": "Schedule/999999"}, "schedule"),
        ({"schedule": "{chen}", "service-type": "NOPE"}, "service-type"),
        ({"schedule": "{chen}", "service-type": "MBB,RFA"}, "service-type"),
        ({"schedule": "{chen}", "start": ["ge2026-11-16", "lt2027-01-30"]}, "start"),
        ({"schedule": "{chen}", "start": "ge2026-11-16,ge2026-11-17"}, "start"),
    ],
)
def test_a_slot_search_without_a_schedule_or_with_a_bad_value_is_a_400(
    scheduler_api, clinic, params, named
):
    filled = {
        k: v.format(chen=clinic.chen.pk) if isinstance(v, str) else v for k, v in params.items()
    }

    outcome = bad_parameter(scheduler_api, "Slot", filled)

    assert outcome.issue[0].expression == [named]


def test_an_inactive_providers_schedule_has_no_free_slots(scheduler_api, clinic):
    Provider.objects.filter(pk=clinic.ortiz.pk).update(active=False)

    found = search(scheduler_api, "Slot", {"schedule": clinic.ortiz.pk})

    assert (found.total, found.entry) == (0, None)
