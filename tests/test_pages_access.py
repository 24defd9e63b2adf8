"""Every page, found by walking the URL configuration: anonymous visitors are sent to sign in,
an account without a clinic role gets a 403 page in words, and each role is let in or refused
exactly as the page's `role_required` declares. New pages are covered without a list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver

from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING
from clinic.roles import Role
from procedures.models import ProcedureHistory
from tests.factories import PatientFactory
from tests.pages_helpers import page_text
from tests.scheduling_helpers import book_case, local, make_small_clinic
from tests.waitlist_helpers import freed_by_a_move, wait_for_epidural

# Open to everyone: the welcome (which sends signed-in staff on), signing in and out.
PUBLIC = {"home", "login", "login-code", "logout"}
ROLES = [Role.SCHEDULER, Role.NURSE, Role.MANAGER]
NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning


@dataclass(frozen=True)
class Page:
    route: str
    name: str
    view: Callable[..., Any]

    def __str__(self) -> str:
        return self.route or "(root)"


def walk(patterns: list, prefix: str = "", pages: bool = False) -> Iterator[Page]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            module = getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
            inside = pages or module == "scheduling.urls"
            yield from walk(pattern.url_patterns, route, inside)
        elif isinstance(pattern, URLPattern) and pages:
            yield Page(route, pattern.name or "", pattern.callback)


PAGES = sorted(walk(get_resolver().url_patterns), key=lambda page: page.route)
GUARDED = [page for page in PAGES if page.name not in PUBLIC]


def declared_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles `role_required` admits to this view, read from the guard around it.

    The guard keeps its set in its closure; other decorators (require_POST...) may wrap it,
    so the wrappers are unwound until a guard is found.
    """
    current: Any = view
    while current is not None:
        declared = getattr(current, "allowed_roles", None)
        if declared is None:
            cells = [cell.cell_contents for cell in (current.__closure__ or ())]
            declared = next((c for c in cells if isinstance(c, frozenset)), None)
        if declared is not None:
            return frozenset(declared)
        current = getattr(current, "__wrapped__", None)
    return None


@pytest.fixture
def objects(db: None) -> Iterator[dict[str, int]]:
    """One real object of each kind a page URL names, by the path segment before its id."""
    with time_machine.travel(NOW, tick=False):
        clinic = make_small_clinic()
        patient = PatientFactory(first_name="Alice", last_name="Moreno")
        case = book_case(clinic, patient=patient, start=local(2026, 11, 19, 9, 0))
        item = case.checklist_items.order_by("pk").first()
        assert item is not None
        entry = ProcedureHistory.objects.create(
            patient=patient,
            procedure_type=clinic.procedure("TPI"),
            region="thoracic",
            side="left",
            performed_on=dt.date(2026, 9, 1),
            relief_percent=60,
        )
        waiting = wait_for_epidural(
            clinic, patient=patient, earliest=dt.date(2026, 11, 18), latest=dt.date(2026, 12, 18)
        )
        freed = freed_by_a_move(case)
        yield {
            "patients": patient.pk,
            "appointments": case.pk,
            "checklist": item.pk,
            "history": entry.pk,
            "waitlist": waiting.pk,
            "freed-slots": freed.pk,
        }


# A real value for each `<slug:...>` of a page, by the path segment before it.
SLUGS = {"export": "volume"}


def url_of(page: Page, objects: dict[str, int]) -> str:
    """The page's path with each `<int:...>` filled by the id of a real object of its kind,
    and each `<slug:...>` by a value from SLUGS."""

    def fill(match: re.Match[str]) -> str:
        before = page.route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert before in objects, (
            f"{page.route}: no object for the id after '{before}/'; make one in the "
            "`objects` fixture so that this page is walked too"
        )
        return str(objects[before])

    def slug(match: re.Match[str]) -> str:
        before = page.route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        assert before in SLUGS, f"{page.route}: add a value for '{before}/<slug>' to SLUGS"
        return SLUGS[before]

    return "/" + re.sub(r"<slug:\w+>", slug, re.sub(r"<int:\w+>", fill, page.route))


def test_the_walk_finds_the_pages_of_pages_md():
    names = {page.name for page in PAGES}

    assert {
        "home",
        "login",
        "logout",
        "desk",
        "station",
        "patients",
        "patient-new",
        "patient",
        "book",
        "appointment",
        "calendar",
    } <= names
    assert all(not page.route.startswith(("api/", "admin/")) for page in PAGES)


@pytest.mark.parametrize("page", GUARDED, ids=str)
def test_every_page_but_signing_in_is_guarded_by_a_role(page):
    assert declared_roles(page.view), f"/{page.route} is not wrapped in role_required"


@pytest.mark.parametrize(
    ("name", "roles"),
    [
        ("desk", SCHEDULING),
        ("book", SCHEDULING),
        ("station", NURSING),
        ("patients", ALL_ROLES),
        ("patient-new", SCHEDULING),
        ("patient", ALL_ROLES),
        ("appointment", ALL_ROLES),
        ("calendar", ALL_ROLES),
    ],
)
def test_the_pages_of_pages_md_are_open_to_the_roles_it_names(name, roles):
    [page] = [page for page in PAGES if page.name == name]

    assert declared_roles(page.view) == roles


@pytest.mark.parametrize("page", GUARDED, ids=str)
def test_an_anonymous_visitor_is_sent_to_sign_in_and_comes_back(page, client, objects):
    url = url_of(page, objects)

    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"] == f"/login/?next={quote(url, safe='/')}"


@pytest.mark.parametrize("page", GUARDED, ids=str)
def test_an_account_without_a_role_gets_a_403_page_in_words(page, pages_as, objects):
    url = url_of(page, objects)
    roleless = pages_as(None)

    for method in (roleless.get, roleless.post):
        response = method(url)
        assert response.status_code == 403, (url, response.status_code)
        text = page_text(response)
        assert "This page is not open to your account" in text
        name = roleless.user.username  # type: ignore[attr-defined]
        assert f"Your account, {name}, has no clinic role yet" in text, text
        assert "This page is for" not in text


@pytest.mark.parametrize("page", GUARDED, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_let_in_or_refused_as_the_page_declares(page, role, pages_as, objects):
    url = url_of(page, objects)
    allowed = declared_roles(page.view) or frozenset()
    staff = pages_as(role)

    with time_machine.travel(NOW, tick=False):
        response = staff.get(url)

    if role in allowed:
        # An action that only takes a form's POST answers a GET by sending the user back to
        # the case (or with 405), never with a refusal or a sign-in.
        assert response.status_code in (200, 302, 405), (url, role, response.status_code)
        if response.status_code == 302:
            assert not response["Location"].startswith("/login/"), response["Location"]
    else:
        assert response.status_code == 403, (url, role, response.status_code)
        text = page_text(response)
        names = sorted(f"{Role(r).label.lower()}s" for r in allowed)
        assert "This page is for" in text
        assert all(name in text for name in names), (text, names)
        # A refused POST changes nothing either: the guard answers before the view runs.
        assert staff.post(url).status_code == 403
