"""The read audit of the API: a response that shows patients' data writes exactly one `read`
event naming exactly those patients, in one INSERT, and is marked `no-store`; a refusal, a
missing record or reference data writes none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.audit_selectors import naming_patient
from clinic.models import AuditEvent, AuditKind, Patient
from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory, PatientMedicationFactory, drug
from tests.scheduling_helpers import SmallClinic, book_case, local

# Monday 16 November 2026, before the day's first case; the cases are on Tuesday.
pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(local(2026, 11, 16, 7))]


@dataclass
class Cases:
    ana: Patient  # a case on Tuesday, and an earlier one there she cancelled
    ben: Patient  # a case on Tuesday
    dee: Patient  # no case; the third patient named Alvarez
    cy: Patient  # a case on Friday; she stops apixaban for it, within the worklist's days
    ana_case: Appointment
    ben_case: Appointment
    cy_case: Appointment


@pytest.fixture
def cases(clinic: SmallClinic) -> Cases:
    ana, ben, dee = (PatientFactory(last_name="Alvarez") for _ in range(3))
    cy = PatientFactory(last_name="Zhou")
    PatientMedicationFactory(patient=cy, drug=drug("apixaban"))
    cancelled = book_case(clinic, patient=ana, start=local(2026, 11, 17, 9))
    services.appointment_cancel(appointment=cancelled, acting_user=None, reason="Moved")
    return Cases(
        ana=ana,
        ben=ben,
        dee=dee,
        cy=cy,
        ana_case=book_case(clinic, patient=ana, start=local(2026, 11, 17, 10)),
        ben_case=book_case(
            clinic, patient=ben, start=local(2026, 11, 17, 11), provider=clinic.ortiz
        ),
        # Cervical: a block there needs apixaban stopped three days before, from Tuesday.
        cy_case=book_case(clinic, patient=cy, start=local(2026, 11, 20, 10), region="cervical"),
    )


@dataclass(frozen=True)
class Read:
    name: str
    role: str
    path: Callable[[Cases], str]
    shows: Callable[[Cases], list[Patient]]

    def __str__(self) -> str:
        return self.name


READS = [
    Read("patient detail", "scheduler", lambda c: f"/api/patients/{c.ana.pk}/", lambda c: [c.ana]),
    Read(
        "patient list of three",
        "nurse",
        lambda c: "/api/patients/?q=Alvarez",
        lambda c: [c.ana, c.ben, c.dee],
    ),
    Read(
        "appointment list: three cases of two patients",
        "scheduler",
        lambda c: "/api/appointments/?date=2026-11-17",
        lambda c: [c.ana, c.ben],
    ),
    Read(
        "appointment detail",
        "nurse",
        lambda c: f"/api/appointments/{c.ben_case.pk}/",
        lambda c: [c.ben],
    ),
    Read(
        "eligibility",
        "scheduler",
        lambda c: (
            f"/api/patients/{c.cy.pk}/eligibility/?procedure_type=MBB&region=lumbar&side=left"
        ),
        lambda c: [c.cy],
    ),
    Read(
        "checklist",
        "nurse",
        lambda c: f"/api/appointments/{c.ana_case.pk}/checklist/",
        lambda c: [c.ana],
    ),
    Read(
        "worklist: tomorrow's cases and a hold starting",
        "nurse",
        lambda c: "/api/worklist/",
        lambda c: [c.ana, c.ben, c.cy],
    ),
]


def read_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditKind.READ).order_by("id"))


def audit_inserts(queries: CaptureQueriesContext) -> int:
    table = AuditEvent._meta.db_table
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("INSERT") and table in query["sql"]
    )


@pytest.mark.parametrize("read", READS, ids=str)
def test_a_response_showing_patients_writes_one_read_event_naming_exactly_them(api_as, cases, read):
    client = api_as(read.role)
    path = read.path(cases)
    before = read_events()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    assert audit_inserts(queries) == 1
    new = [event for event in read_events() if event not in before]
    assert len(new) == 1
    event = new[0]
    assert event.patients == sorted(p.pk for p in read.shows(cases))
    assert event.actor_id == client.user.pk
    assert event.actor_username == client.user.username
    assert event.ip == "127.0.0.1"
    assert event.action.startswith("read.")
    assert event.object_id == path.split("?")[0]


def test_the_worklist_names_the_patient_of_a_hold_starting_before_a_later_case(api_as, cases):
    body = api_as("nurse").get("/api/worklist/").json()

    # Cy's case is on Friday, past the worklist's cases; her hold starts within its days.
    assert cases.cy_case.pk not in {case["id"] for case in body["cases"]}
    assert cases.cy_case.pk in {hold["appointment"] for hold in body["holds_starting"]}
    assert cases.cy.pk in read_events()[-1].patients


def test_the_appointment_list_counts_a_cancelled_case_among_its_rows_but_one_event(api_as, cases):
    response = api_as("scheduler").get("/api/appointments/?date=2026-11-17")

    assert len(response.json()) == 3
    assert len(read_events()) == 1


def test_a_missing_patient_writes_no_read_event(api_as, cases):
    response = api_as("manager").get("/api/patients/987654/")

    assert response.status_code == 404
    assert read_events() == []


@pytest.mark.parametrize(
    ("role", "path"),
    [("scheduler", "/api/worklist/"), (None, "/api/patients/{patient}/")],
    ids=["scheduler on the worklist", "no role on a patient"],
)
def test_a_refused_read_writes_no_read_event(api_as, cases, role, path):
    response = api_as(role).get(path.format(patient=cases.ana.pk))

    assert response.status_code == 403
    assert read_events() == []


def test_a_refused_change_writes_no_read_event_though_the_record_was_loaded(api_as, cases):
    response = api_as("scheduler").patch(
        f"/api/patients/{cases.ana.pk}/", {"diabetic": True}, format="json"
    )

    assert response.status_code == 403
    assert read_events() == []


def test_reference_data_writes_no_read_event(api_as, cases):
    response = api_as("nurse").get("/api/drugs/")

    assert response.status_code == 200
    assert read_events() == []


def test_a_change_that_changes_nothing_still_records_that_the_record_was_shown(api_as):
    # A PATCH sending what is there writes no `write` event; its answer showed the record,
    # so a `read` stands for it. A PATCH that changed something is its own record.
    patient = PatientFactory(first_name="Ada")
    client = api_as("scheduler")

    def reads() -> int:
        return naming_patient(AuditEvent.objects.filter(kind=AuditKind.READ), patient.pk).count()

    same = client.patch(f"/api/patients/{patient.pk}/", {"first_name": "Ada"})
    after_same = reads()
    changed = client.patch(f"/api/patients/{patient.pk}/", {"first_name": "Adele"})

    assert same.status_code == 200 and changed.status_code == 200
    assert after_same == 1
    assert reads() == 1  # the change's write event stands for its answer
    assert AuditEvent.objects.filter(action="patient.update").count() == 1
