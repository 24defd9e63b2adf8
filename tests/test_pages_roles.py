"""The pages follow the API's roles (API.md): one table of every page and every form POST,
and each role let in or refused (a 403 page, nothing written) exactly as the table says.

Schedulers register patients, book, move and cancel; nurses work the checklist, check in,
complete, record outcomes and follow-ups; managers do all of it and alone see the dashboard;
every role reads patients, cases and the calendar, and marks a no-show. A role is never
shown a link or a form that would answer it with a 403.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import Resolver404, URLPattern, URLResolver, resolve, reverse

from clinic.models import AuditEvent, AuditKind, Patient
from clinic.permissions import ALL_ROLES, MANAGERS, NURSING, SCHEDULING
from clinic.roles import Role
from procedures import services as procedure_services
from scheduling import urls as page_urls
from scheduling.pages import account
from scheduling.pages.common import role_required
from tests.factories import PatientFactory
from tests.pages_helpers import page_text
from tests.scheduling_helpers import book_case, case_done_here, local, make_small_clinic
from tests.waitlist_helpers import freed_by_a_move, wait_for_epidural

NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning
ROLES = [Role.SCHEDULER, Role.NURSE, Role.MANAGER]

pytestmark = pytest.mark.clock_at(NOW)


@dataclass(frozen=True)
class Door:
    """A page (GET) or a form's POST, and the roles it is for."""

    name: str
    method: str
    roles: frozenset[str]

    def __str__(self) -> str:
        return f"{self.method} {self.name}"


MATRIX = [
    # Every role reads patients, cases and the calendar.
    Door("patients", "GET", ALL_ROLES),
    Door("patient", "GET", ALL_ROLES),
    Door("appointment", "GET", ALL_ROLES),
    Door("calendar", "GET", ALL_ROLES),
    # The desk: registering, booking, moving and cancelling.
    Door("desk", "GET", SCHEDULING),
    Door("patient-new", "GET", SCHEDULING),
    Door("patient-new", "POST", SCHEDULING),
    Door("book", "GET", SCHEDULING),
    Door("book-why", "GET", SCHEDULING),
    Door("book-confirm", "GET", SCHEDULING),
    Door("book-confirm", "POST", SCHEDULING),
    Door("case-reschedule", "GET", SCHEDULING),
    Door("case-reschedule", "POST", SCHEDULING),
    Door("case-cancel", "GET", SCHEDULING),
    Door("case-cancel", "POST", SCHEDULING),
    # The waitlist, and the times cancellations and moves free for it.
    Door("waitlist", "GET", SCHEDULING),
    Door("waitlist-new", "GET", SCHEDULING),
    Door("waitlist-new", "POST", SCHEDULING),
    Door("waitlist-remove", "POST", SCHEDULING),
    Door("freed-book", "POST", SCHEDULING),
    Door("freed-offer", "POST", SCHEDULING),
    Door("freed-decline", "POST", SCHEDULING),
    # The nurses: the station, the checklist, the day's steps and the outcome.
    Door("station", "GET", NURSING),
    Door("station-print", "GET", NURSING),
    Door("case-checklist-item", "POST", NURSING),
    Door("case-check-in", "POST", NURSING),
    Door("case-complete", "POST", NURSING),
    Door("case-outcome", "POST", NURSING),
    Door("case-follow-up", "POST", NURSING),
    # A patient's record after registration: each role changes what it keeps (the page shows
    # schedulers contact and payer, nurses the clinical flags).
    Door("patient-edit", "GET", ALL_ROLES),
    Door("patient-edit", "POST", ALL_ROLES),
    Door("patient-history-entry", "GET", NURSING),
    Door("patient-history-entry", "POST", NURSING),
    # Schedulers and nurses alike: the desk often learns first that a patient did not come.
    Door("case-no-show", "POST", ALL_ROLES),
    # Managers alone.
    Door("dashboard", "GET", MANAGERS),
    Door("dashboard-stuck", "GET", MANAGERS),
    Door("dashboard-export", "GET", MANAGERS),
]
BY_KEY = {(door.name, door.method): door for door in MATRIX}


@dataclass(frozen=True)
class Objects:
    patient: int
    case: int  # tomorrow's
    item: int  # one of its checklist items
    today: int  # a case later today
    done: int  # a case completed on Monday
    entry: int  # a procedure of Alice's done elsewhere
    waiting: int  # Alice's waitlist entry
    freed: int  # the time a move of tomorrow's case left


@pytest.fixture
def objects(db: None) -> Objects:
    clinic = make_small_clinic()
    alice = PatientFactory(first_name="Alice", last_name="Moreno")
    case = book_case(clinic, patient=alice, start=local(2026, 11, 19, 9, 0))
    item = case.checklist_items.order_by("pk").first()
    assert item is not None
    today = book_case(clinic, start=local(2026, 11, 18, 10, 0), room=clinic.suite2)
    done = case_done_here(clinic, patient=PatientFactory(), start=local(2026, 11, 16, 9), relief=80)
    entry = procedure_services.history_add(
        patient=alice,
        procedure_type=clinic.procedure("ESI_TF"),
        region="lumbar",
        side="left",
        performed_on=dt.date(2026, 9, 1),
        relief_percent=70,
        acting_user=None,
    )
    waiting = wait_for_epidural(
        clinic, patient=alice, earliest=dt.date(2026, 11, 18), latest=dt.date(2026, 12, 18)
    )
    freed = freed_by_a_move(case)
    return Objects(alice.pk, case.pk, item.pk, today.pk, done.pk, entry.pk, waiting.pk, freed.pk)


def url_for(name: str, objects: Objects) -> str:
    args: dict[str, list[object]] = {
        "patient": [objects.patient],
        "patient-edit": [objects.patient],
        "case-checklist-item": [objects.case, objects.item],
        "patient-history-entry": [objects.patient, objects.entry],
        "dashboard-export": ["volume"],
        "waitlist-remove": [objects.waiting],
        "freed-book": [objects.freed],
        "freed-offer": [objects.freed],
        "freed-decline": [objects.freed],
    }
    if name.startswith(("appointment", "case-")) and name not in args:
        args[name] = [objects.case]
    return reverse(name, args=args.get(name, []))


def writes() -> int:
    return AuditEvent.objects.filter(kind=AuditKind.WRITE).count()


# --- The table covers every page ------------------------------------------------------------


def _names(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name


def test_the_table_names_every_page_but_signing_in_and_out():
    signing_in = set(_names(account.urlpatterns))
    pages = set(_names(page_urls.urlpatterns)) - signing_in

    assert {door.name for door in MATRIX} == pages


# --- Each door, each role -------------------------------------------------------------------


@pytest.mark.parametrize("door", MATRIX, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_each_page_and_form_lets_in_exactly_the_roles_of_the_table(door, role, pages_as, objects):
    client = pages_as(role)
    url = url_for(door.name, objects)
    before = writes()

    response = client.get(url) if door.method == "GET" else client.post(url, {})

    if role in door.roles:
        assert response.status_code != 403, (door, role)
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/"), response["Location"]
    else:
        assert response.status_code == 403, (door, role, response.status_code)
        assert "This page is for" in page_text(response)
        # Refused before the view runs: nothing is written.
        assert writes() == before


def test_a_page_that_names_no_roles_refuses_everyone_managers_too(make_staff):
    @role_required(())
    def nobody(request: HttpRequest) -> HttpResponse:
        return HttpResponse("inside")

    for role in ROLES:
        request = RequestFactory().get("/somewhere/")
        request.user = make_staff(role)  # type: ignore[assignment]
        response = nobody(request)
        assert response.status_code == 403, role
        assert b"inside" not in response.content
        assert "This page is for no clinic role yet." in page_text(response)


# --- No link or form that leads to a 403 ------------------------------------------------------

LINK = re.compile(r'<a\b[^>]*\bhref="([^"#]*)')
FORM = re.compile(r"<form\b([^>]*)>")
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def doors_offered(html: str, page_url: str) -> set[tuple[str, str]]:
    """Every (URL name, method) the page's links and forms lead to, among the table's."""
    found: list[tuple[str, str]] = [(href, "GET") for href in LINK.findall(html)]
    for attributes in FORM.findall(html):
        values = dict(ATTRIBUTE.findall(attributes))
        action = values.get("action", page_url).replace("&amp;", "&")
        found.append((action or page_url, values.get("method", "get").upper()))
    offered = set()
    for target, method in found:
        path = urlsplit(target).path
        if not path.startswith("/"):
            continue
        try:
            name = resolve(path).url_name
        except Resolver404:
            continue
        if (name, method) in BY_KEY:
            offered.add((name, method))
    return offered


def pages_to_read(objects: Objects) -> list[str]:
    cases = [objects.case, objects.today, objects.done]
    return [
        "/patients/",
        "/patients/?q=Moreno",
        "/patients/?q=Nobody-by-this-name",
        f"/patients/{objects.patient}/",
        *[f"/appointments/{case}/" for case in cases],
        "/calendar/?date=2026-11-18",
        "/calendar/?date=2026-11-16&view=week",
        "/desk/",
        "/station/",
        "/station/print/",
        f"/book/?patient={objects.patient}",
        "/book/?q=Moreno",
        f"/book/why/?patient={objects.patient}",
        f"/appointments/{objects.case}/reschedule/",
        f"/appointments/{objects.case}/cancel/",
        "/dashboard/",
        "/dashboard/stuck/",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_is_offered_a_link_or_form_that_would_refuse_it(role, pages_as, objects):
    client = pages_as(role)
    read = 0
    offered: set[tuple[str, str]] = set()
    for url in pages_to_read(objects):
        response = client.get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (url, response.status_code)
        read += 1
        for name, method in doors_offered(response.content.decode(), url):
            assert role in BY_KEY[(name, method)].roles, (role, url, name, method)
            offered.add((name, method))

    assert read >= 8
    # The pages do offer each role its own work.
    expected = {
        Role.SCHEDULER: {("patient-new", "GET"), ("case-reschedule", "GET"), ("book", "GET")},
        Role.NURSE: {
            ("case-check-in", "POST"),
            ("case-checklist-item", "POST"),
            ("patient-history-entry", "GET"),
            ("patient-edit", "GET"),
        },
        Role.MANAGER: {("case-cancel", "GET"), ("case-outcome", "POST"), ("dashboard", "GET")},
    }[role]
    assert expected <= offered, expected - offered


def test_a_nurse_searching_patients_is_not_offered_to_register_one(pages_as, objects):
    nurse, scheduler = pages_as(Role.NURSE), pages_as(Role.SCHEDULER)

    for query in ("", "?q=Nobody-by-this-name"):
        assert "/patients/new/" not in nurse.get(f"/patients/{query}").content.decode()
        assert "/patients/new/" in scheduler.get(f"/patients/{query}").content.decode()
    assert "Register a new patient" not in page_text(nurse.get("/patients/"))
    no_match = page_text(nurse.get("/patients/?q=Nobody-by-this-name"))
    assert "No patient matches “Nobody-by-this-name”. Check the spelling or try" in no_match


def test_the_case_page_offers_each_role_its_own_actions(pages_as, objects):
    today = f"/appointments/{objects.today}/"
    texts = {role: page_text(pages_as(role).get(today)) for role in ROLES}

    assert "Reschedule" in texts[Role.SCHEDULER] and "Check in" not in texts[Role.SCHEDULER]
    assert "Check in" in texts[Role.NURSE] and "Reschedule" not in texts[Role.NURSE]
    assert "Reschedule" in texts[Role.MANAGER] and "Check in" in texts[Role.MANAGER]


def test_a_completed_case_offers_the_outcome_to_nurses_and_managers_only(pages_as, objects):
    done = f"/appointments/{objects.done}/"
    forms = {role: doors_offered(pages_as(role).get(done).content.decode(), done) for role in ROLES}

    assert ("case-outcome", "POST") not in forms[Role.SCHEDULER]
    assert ("case-outcome", "POST") in forms[Role.NURSE]
    assert ("case-follow-up", "POST") in forms[Role.MANAGER]


def test_a_refused_registration_writes_no_patient(pages_as, objects):
    nurse: Client = pages_as(Role.NURSE)
    body = {"mrn": "N1", "first_name": "Nora", "last_name": "Ng", "birth_date": "01/02/1970"}

    response = nurse.post("/patients/new/", {**body, "email": "n@example.org"})

    assert response.status_code == 403
    assert not Patient.objects.filter(mrn="N1").exists()
    assert not AuditEvent.objects.filter(action="patient.create").exists()
