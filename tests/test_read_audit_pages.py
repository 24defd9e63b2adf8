"""The read audit of the pages and the admin: a page that shows patients' data writes one
`read` event naming exactly the patients on it, in one INSERT, marked `no-store`; a refusal
or a missing record writes none. Managers see who looked at a patient on the patient page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from clinic.audit_selectors import events_naming_patient, naming_patient
from clinic.models import AuditEvent, AuditKind, Patient
from scheduling.models import Appointment
from tests.factories import PatientFactory, PatientMedicationFactory, drug
from tests.pages_helpers import html_of, page_text, tables, visible_text
from tests.scheduling_helpers import SmallClinic, book_case, case_done_here, local

NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning
pytestmark = [pytest.mark.django_db, pytest.mark.clock_at(NOW)]


@dataclass
class Clinic:
    ana: Patient  # a case today, and one completed on Monday (checked in with an override)
    ben: Patient  # a case tomorrow
    cy: Patient  # a case next Wednesday
    dee: Patient  # no case
    today: Appointment
    tomorrow: Appointment
    next_week: Appointment
    done: Appointment


@pytest.fixture
def world(clinic: SmallClinic) -> Clinic:
    ana, ben = PatientFactory(last_name="Moreno"), PatientFactory(last_name="Moreno")
    cy, dee = PatientFactory(last_name="Moreno"), PatientFactory(last_name="Okafor")
    PatientMedicationFactory(patient=cy, drug=drug("warfarin"))
    return Clinic(
        ana=ana,
        ben=ben,
        cy=cy,
        dee=dee,
        done=case_done_here(clinic, patient=ana, start=local(2026, 11, 16, 9), relief=30),
        today=book_case(clinic, patient=ana, start=local(2026, 11, 18, 10)),
        tomorrow=book_case(clinic, patient=ben, start=local(2026, 11, 19, 9)),
        next_week=book_case(clinic, patient=cy, start=local(2026, 11, 25, 9)),
    )


def reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditKind.READ).order_by("id"))


def the_read(client: Client, url: str, **headers: str) -> tuple[AuditEvent, object]:
    """GET `url`: exactly one read event is written; it and the response."""
    before = len(reads())
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    written = reads()[before:]
    assert len(written) == 1, (url, written)
    return written[0], response


def username(client: object) -> str:
    return client.user.username  # type: ignore[attr-defined]


def ids(*patients: Patient) -> list[int]:
    return sorted(p.pk for p in patients)


@dataclass(frozen=True)
class PageRead:
    name: str
    role: str
    url: Callable[[Clinic], str]
    patients: Callable[[Clinic], list[int]]
    headers: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.name


PAGE_READS = [
    PageRead("patient page", "scheduler", lambda w: f"/patients/{w.cy.pk}/", lambda w: ids(w.cy)),
    PageRead(
        "search with three matches",
        "nurse",
        lambda w: "/patients/?q=Moreno",
        lambda w: ids(w.ana, w.ben, w.cy),
    ),
    PageRead(
        "latest patients",
        "nurse",
        lambda w: "/patients/",
        lambda w: ids(w.ana, w.ben, w.cy, w.dee),
    ),
    PageRead(
        "desk: today and tomorrow",
        "scheduler",
        lambda w: "/desk/",
        lambda w: ids(w.ana, w.ben),
    ),
    PageRead("station", "nurse", lambda w: "/station/", lambda w: ids(w.ana)),
    PageRead(
        "station refresh",
        "nurse",
        lambda w: "/station/?date=2026-11-19",
        lambda w: ids(w.ben),
        headers=(("HX-Request", "true"),),
    ),
    PageRead("station day sheet", "nurse", lambda w: "/station/print/", lambda w: ids(w.ana)),
    PageRead(
        "calendar day",
        "nurse",
        lambda w: "/calendar/?date=2026-11-19",
        lambda w: ids(w.ben),
    ),
    PageRead(
        "calendar week",
        "scheduler",
        lambda w: "/calendar/?date=2026-11-18&view=week",
        lambda w: ids(w.ana, w.ben),
    ),
    PageRead(
        "case page", "nurse", lambda w: f"/appointments/{w.tomorrow.pk}/", lambda w: ids(w.ben)
    ),
    PageRead(
        "checklist row by htmx",
        "nurse",
        lambda w: (
            f"/appointments/{w.today.pk}/checklist/"
            f"{w.today.checklist_items.order_by('pk').first().pk}/"
        ),  # type: ignore[union-attr]
        lambda w: ids(w.ana),
        headers=(("HX-Request", "true"),),
    ),
    PageRead(
        "cancel page",
        "scheduler",
        lambda w: f"/appointments/{w.next_week.pk}/cancel/",
        lambda w: ids(w.cy),
    ),
    PageRead(
        "reschedule page",
        "scheduler",
        lambda w: f"/appointments/{w.next_week.pk}/reschedule/",
        lambda w: ids(w.cy),
    ),
    PageRead(
        "booking page", "scheduler", lambda w: f"/book/?patient={w.dee.pk}", lambda w: ids(w.dee)
    ),
    PageRead(
        "booking: which patient?",
        "scheduler",
        lambda w: "/book/?q=Okafor",
        lambda w: ids(w.dee),
    ),
    PageRead(
        "booking: why not this time",
        "scheduler",
        lambda w: f"/book/why/?patient={w.dee.pk}",
        lambda w: ids(w.dee),
    ),
]


@pytest.mark.parametrize("read", PAGE_READS, ids=str)
def test_a_page_showing_patients_writes_one_read_event_naming_exactly_them(pages_as, world, read):
    client = pages_as(read.role)
    url = read.url(world)

    event, response = the_read(client, url, **dict(read.headers))

    assert event.patients == read.patients(world)
    assert event.actor_username == username(client)
    assert event.object_id == url.split("?")[0]
    assert event.ip == "127.0.0.1"
    assert "no-store" in response["Cache-Control"]  # type: ignore[index]


def test_the_read_event_names_its_page(pages_as, world):
    event, _ = the_read(pages_as("scheduler"), f"/patients/{world.ana.pk}/")

    assert event.action == "read.patient"
    assert event.object_type == "path"


def linked_patients(html: str) -> list[int]:
    return sorted({int(pk) for pk in re.findall(r'href="/patients/(\d+)/"', html)})


def test_the_dashboard_names_the_patients_of_the_rows_it_lists(pages_as, world):
    event, response = the_read(pages_as("manager"), "/dashboard/")

    # Monday's check-in with open items is in the overrides list.
    assert world.ana.pk in event.patients
    assert event.patients == linked_patients(response.content.decode())  # type: ignore[attr-defined]


def test_the_stuck_lists_name_the_patients_they_list_and_no_other(pages_as, world, clinic):
    # A positive first block six weeks ago, and nothing booked after it.
    eve = PatientFactory(last_name="Stuck")
    case_done_here(clinic, patient=eve, start=local(2026, 10, 5, 9), relief=90)

    event, response = the_read(pages_as("manager"), "/dashboard/stuck/")

    assert event.patients == ids(eve)
    assert event.patients == linked_patients(response.content.decode())  # type: ignore[attr-defined]


def test_a_csv_export_naming_patients_names_them(pages_as, world):
    event, response = the_read(pages_as("manager"), "/dashboard/export/checklist-overrides.csv")

    assert event.patients == ids(world.ana)
    assert world.ana.last_name in response.content.decode()  # type: ignore[attr-defined]


def test_an_export_without_patients_writes_no_read_event(pages_as, world):
    before = len(reads())

    assert pages_as("manager").get("/dashboard/export/volume.csv").status_code == 200

    assert len(reads()) == before


def test_a_refused_page_writes_no_read_event(pages_as, world):
    before = len(reads())

    assert pages_as("scheduler").get("/station/").status_code == 403
    assert pages_as("nurse").get("/desk/").status_code == 403
    assert pages_as("nurse").get(f"/book/?patient={world.ana.pk}").status_code == 403
    assert pages_as("manager").get("/patients/999999/").status_code == 404

    assert len(reads()) == before


def test_a_search_writes_one_insert_whatever_the_number_of_patients_found(pages_as, world):
    client = pages_as("scheduler")
    for _ in range(12):
        PatientFactory(last_name="Moreno")
    client.get("/patients/")  # the session, read once

    with CaptureQueriesContext(connection) as queries:
        html_of(client.get("/patients/?q=Moreno"))

    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "clinic_auditevent"')]
    assert len(inserts) == 1
    assert len(reads()[-1].patients) == 15


def test_patient_pages_are_not_kept_by_browsers_or_proxies(pages_as, world):
    response = pages_as("nurse").get(f"/patients/{world.ana.pk}/")

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


# --- The admin --------------------------------------------------------------------------------


@pytest.fixture
def manager(pages_as) -> Client:
    return pages_as("manager")


def test_the_admin_patient_list_names_the_patients_on_its_page(manager, world):
    event, _ = the_read(manager, "/admin/clinic/patient/")

    assert event.patients == ids(world.ana, world.ben, world.cy, world.dee)
    assert event.action == "read.admin:clinic_patient_changelist"


def test_the_admin_list_names_only_the_page_shown(manager, world):
    event, _ = the_read(manager, "/admin/clinic/patient/?q=Okafor")

    assert event.patients == ids(world.dee)


def test_the_admin_change_view_names_its_rows_patient(manager, world):
    event, response = the_read(manager, f"/admin/clinic/patient/{world.dee.pk}/change/")

    assert event.patients == ids(world.dee)
    assert "no-store" in response["Cache-Control"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "patients"),
    [
        ("scheduling/appointment", lambda w: ids(w.ana, w.ben, w.cy)),
        ("scheduling/reminder", lambda w: ids(w.ana, w.ben, w.cy)),
        ("procedures/patientmedication", lambda w: ids(w.cy)),
    ],
)
def test_the_admin_lists_of_patients_rows_name_their_patients(manager, world, path, patients):
    event, _ = the_read(manager, f"/admin/{path}/")

    assert event.patients == patients(world)


def test_an_admin_case_names_its_patient(manager, world):
    event, _ = the_read(manager, f"/admin/scheduling/appointment/{world.next_week.pk}/change/")

    assert event.patients == ids(world.cy)


def test_the_admin_of_rooms_and_rules_writes_no_read_event(manager, world):
    before = len(reads())

    assert manager.get("/admin/clinic/room/").status_code == 200
    assert manager.get("/admin/procedures/ruleset/").status_code == 200

    assert len(reads()) == before


# --- Who looked at this patient ---------------------------------------------------------------

WHO_LOOKED = "Who looked at this patient"


def who_looked_rows(html: str) -> list[list[str]]:
    section = html.split('id="who-looked-heading"', 1)[1]
    return tables(section)[0][1:]


def test_a_manager_sees_who_looked_newest_first_in_plain_words(pages_as, api_as, world):
    scheduler = pages_as("scheduler")
    nurse_api = api_as("nurse")
    scheduler.get(f"/patients/{world.ana.pk}/")
    nurse_api.get(f"/api/patients/{world.ana.pk}/")
    manager = pages_as("manager")
    manager.get(f"/admin/clinic/patient/{world.ana.pk}/change/")
    pages_as("nurse").get(f"/patients/{world.ben.pk}/")  # another patient

    html = html_of(manager.get(f"/patients/{world.ana.pk}/"))

    assert WHO_LOOKED in visible_text(html)
    assert "3 views, newest first." in visible_text(html)
    rows = who_looked_rows(html)
    pk = world.ana.pk
    assert [row[1:] for row in rows] == [
        [
            username(manager),
            f"Admin: patient record /admin/clinic/patient/{pk}/change/",
            "127.0.0.1",
        ],
        [username(nurse_api), f"API: patient record /api/patients/{pk}/", "127.0.0.1"],
        [username(scheduler), f"Patient page /patients/{pk}/", "127.0.0.1"],
    ]
    assert all(row[0] == "Wed 18 Nov 2026, 07:30" for row in rows)


def test_the_managers_own_visit_shows_from_the_next_one(pages_as, world):
    manager = pages_as("manager")
    url = f"/patients/{world.dee.pk}/"

    first = page_text(manager.get(url))
    second = html_of(manager.get(url))

    assert "Nobody opened this record before this visit." in first
    assert [row[1] for row in who_looked_rows(second)] == [username(manager)]
    assert "1 view, newest first." in visible_text(second)


def test_the_section_lists_the_latest_20_and_counts_them_all(pages_as, world):
    for n in range(25):
        AuditEvent.objects.create(
            kind=AuditKind.READ,
            actor_username=f"reader-{n:02d}",
            action="read.patient",
            object_type="path",
            object_id=f"/patients/{world.dee.pk}/",
            patients=[world.dee.pk],
            ip="10.0.0.9",
        )

    html = html_of(pages_as("manager").get(f"/patients/{world.dee.pk}/"))

    rows = who_looked_rows(html)
    assert len(rows) == 20
    assert rows[0][1] == "reader-24" and rows[-1][1] == "reader-05"
    text = visible_text(html)
    assert "The latest 20 of 25 views, newest first." in text
    assert "5 older views are in the audit trail." in text


@pytest.mark.parametrize("role", ["scheduler", "nurse"])
def test_schedulers_and_nurses_do_not_see_who_looked(pages_as, world, role):
    pages_as("manager").get(f"/patients/{world.ana.pk}/")

    text = page_text(pages_as(role).get(f"/patients/{world.ana.pk}/"))

    assert WHO_LOOKED not in text
    assert "127.0.0.1" not in text


def test_events_naming_a_patient_match_the_id_exactly(db):
    for patients in ([11], [1, 2], [21, 1], [], [2]):
        AuditEvent.objects.create(
            kind=AuditKind.READ, action="read.x", object_type="path", patients=patients
        )
    AuditEvent.objects.create(action="patient.update", object_type="x", patients=[1])

    naming = events_naming_patient(1)

    assert sorted(event.patients for event in naming) == [[1], [1, 2], [21, 1]]
    reads_only = naming_patient(AuditEvent.objects.filter(kind=AuditKind.READ), 1)
    assert sorted(event.patients for event in reads_only) == [[1, 2], [21, 1]]
