"""Signing in, `/`, and the header every page shares: each role lands on its own start page."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client

from clinic.models import Patient
from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.pages_helpers import table_rows, visible_text
from tests.scheduling_helpers import SmallClinic, book_case, local

PASSWORD = "pw-for-tests-1"  # the password tests/conftest.py's make_staff gives every user
# A Wednesday morning before the first case; the clinic's hours are 08:00-17:00.
NOW = local(2026, 11, 18, 7, 30)
HOME = {"scheduler": "/desk/", "nurse": "/station/", "manager": "/dashboard/"}

pytestmark = pytest.mark.clock_at(NOW)


def book_today(
    clinic: SmallClinic, patient: Patient, hour: int, minute: int = 0, **place: Any
) -> Appointment:
    """A case on NOW's day at this time on the clinic's clock (book_case's defaults otherwise)."""
    return book_case(
        clinic, patient=patient, start=local(NOW.year, NOW.month, NOW.day, hour, minute), **place
    )


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(
    username: str, password: str = PASSWORD, next_url: str | None = None
) -> tuple[Client, object]:
    """Open /login/ (with ?next= if given) and post the form as a browser does, CSRF and all."""
    browser = Client(enforce_csrf_checks=True)
    query = f"?next={quote(next_url, safe='')}" if next_url is not None else ""
    form = browser.get(f"/login/{query}").content.decode()
    body = {"username": username, "password": password, "csrfmiddlewaretoken": csrf_token(form)}
    if next_url is not None:
        body["next"] = next_url
    return browser, browser.post(f"/login/{query}", body, follow=True)


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


# --- Signing in ---------------------------------------------------------------------------------


def test_the_sign_in_page_opened_directly_has_a_labelled_form_and_no_navigation(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in · Riverside Pain Clinic</title>" in html
    assert '<label for="id_username">Username:</label>' in html
    assert '<label for="id_password">Password:</label>' in html
    assert '<form method="post" action="/login/" class="sign-in">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "<nav" not in html
    assert "Sign out" not in html


@pytest.mark.parametrize("role", ["scheduler", "nurse", "manager"])
def test_signing_in_at_login_lands_on_the_roles_start_page_never_on_accounts_profile(
    make_staff, clinic, role
):
    make_staff(role, f"{role}.one")

    browser, landed = sign_in(f"{role}.one")

    assert landed.status_code == 200
    hops = [url for url, _ in landed.redirect_chain]
    assert hops[-1] == HOME[role]
    assert not any("/accounts/" in url for url in hops)
    assert landed.request["PATH_INFO"] == HOME[role]
    assert f"{role}.one" in landed.content.decode()
    assert "_auth_user_id" in browser.session


def test_an_anonymous_visitor_sent_to_sign_in_comes_back_to_the_page_they_asked_for(
    client, make_staff, clinic
):
    make_staff("nurse", "nina.nurse")

    asked = client.get("/calendar/?date=2026-11-20")
    assert asked.status_code == 302
    assert asked["Location"] == "/login/?next=/calendar/%3Fdate%3D2026-11-20"

    _, landed = sign_in("nina.nurse", next_url="/calendar/?date=2026-11-20")

    assert landed.redirect_chain == [("/calendar/?date=2026-11-20", 302)]
    assert landed.status_code == 200


def test_the_sign_in_form_carries_next_to_the_post(client, db):
    html = client.get("/login/?next=/patients/").content.decode()

    assert '<input type="hidden" name="next" value="/patients/">' in html


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/", "//evil.example/desk/", "http://testserver.evil.example/"],
)
def test_signing_in_never_sends_anyone_to_another_site(make_staff, clinic, elsewhere):
    make_staff("scheduler", "sam.scheduler")

    _, landed = sign_in("sam.scheduler", next_url=elsewhere)

    hops = [url for url, _ in landed.redirect_chain]
    assert hops == ["/", "/desk/"]
    assert not any("evil" in url for url in hops)


def test_a_wrong_password_shows_the_sign_in_form_again_with_an_alert(client, make_staff):
    make_staff("nurse", "nina.nurse")

    response = client.post("/login/", {"username": "nina.nurse", "password": "nope"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="errors" role="alert">' in html
    assert "Please enter a correct username and password." in html
    assert 'value="nina.nurse"' in html  # the username is kept, the password is not
    assert "nope" not in html
    assert "_auth_user_id" not in response.client.session


def test_a_signed_in_user_opening_login_again_goes_to_their_start_page(make_staff):
    response = signed_in(make_staff("nurse")).get("/login/", follow=True)

    assert [url for url, _ in response.redirect_chain] == ["/", "/station/"]


def test_an_account_without_a_clinic_role_signs_in_and_is_told_so_clearly(make_staff, clinic):
    make_staff(None, "no.role")
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)

    _, landed = sign_in("no.role")

    assert landed.status_code == 403
    text = visible_text(landed.content.decode())
    assert "This page is not open to your account" in text
    assert "Your account, no.role, has no clinic role yet." in text
    assert "Ask a manager to give you one (scheduler, nurse or manager)." in text
    assert "Moreno" not in text
    assert "<nav" not in landed.content.decode()  # nothing to navigate to


# --- `/` ----------------------------------------------------------------------------------------


def test_an_anonymous_visitor_at_the_root_gets_a_welcome_and_a_sign_in_link_but_no_cases(
    client, clinic, settings
):
    settings.CLINIC_NAME = "Lakeside Spine Center"
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Lakeside Spine Center</title>" in html
    assert "<h1>Lakeside Spine Center</h1>" in html
    assert re.search(r'<p class="clinic-name"><a href="/">Lakeside Spine Center</a></p>', html)
    assert '<a href="/login/">Sign in</a> to start your day.' in html
    assert '<a href="/login/?next=/">Sign in</a>' in html  # the header's
    assert "Moreno" not in html
    assert "/admin/" not in html
    assert "Sign out" not in html
    assert "<nav" not in html


@pytest.mark.parametrize("role", ["scheduler", "nurse", "manager"])
def test_the_root_sends_each_role_to_its_start_page(make_staff, role):
    response = signed_in(make_staff(role)).get("/")

    assert response.status_code == 302
    assert response["Location"] == HOME[role]


def test_the_root_tells_an_account_without_a_role_it_has_none_with_a_403(make_staff):
    response = signed_in(make_staff(None, "no.role")).get("/")

    assert response.status_code == 403
    assert "has no clinic role yet" in visible_text(response.content.decode())


# --- The header ---------------------------------------------------------------------------------


def navigation(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert nav, "no main navigation"
    return [visible_text(link) for link in re.findall(r"<a [^>]*>.*?</a>", nav.group(1), re.S)]


def test_a_schedulers_header_has_the_clinic_today_her_name_and_role_and_her_navigation(
    make_staff, clinic, settings
):
    settings.CLINIC_NAME = "Lakeside Spine Center"

    html = signed_in(make_staff("scheduler", "sam.scheduler")).get("/desk/").content.decode()

    header = re.search(r'<header class="site-header">(.*?)</header>', html, re.S).group(1)
    assert '<a href="/">Lakeside Spine Center</a>' in header
    assert 'Today: <time datetime="2026-11-18">Wednesday 18 November 2026</time>' in header
    assert 'Signed in as <strong class="username">sam.scheduler</strong>' in header
    assert '<span class="roles">(Scheduler)</span>' in header
    assert navigation(html) == ["Desk", "Patients", "Waitlist", "Calendar"]
    assert '<a href="/desk/" aria-current="page">Desk</a>' in header
    assert '<a href="/patients/">Patients</a>' in header
    assert "/admin/" not in html


def test_a_nurses_navigation_leads_to_the_station_not_the_desk(make_staff, clinic):
    html = signed_in(make_staff("nurse", "nina.nurse")).get("/station/").content.decode()

    assert navigation(html) == ["Station", "Patients", "Calendar"]
    assert '<a href="/station/" aria-current="page">Station</a>' in html
    assert '<span class="roles">(Nurse)</span>' in html
    assert "/admin/" not in html


def test_a_managers_navigation_has_every_page_and_the_admin(make_staff, clinic):
    html = signed_in(make_staff("manager", "maria.manager")).get("/desk/").content.decode()

    assert navigation(html) == [
        "Dashboard",
        "Desk",
        "Station",
        "Patients",
        "Waitlist",
        "Calendar",
        "Admin",
    ]
    assert '<a href="/admin/">Admin</a>' in html
    assert '<span class="roles">(Manager)</span>' in html


def test_the_header_signs_out_with_a_post_form_carrying_the_csrf_token(make_staff, clinic):
    html = signed_in(make_staff("scheduler")).get("/desk/").content.decode()

    form = re.search(r'<form method="post" action="/logout/">(.*?)</form>', html, re.S)
    assert form, html
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit" class="secondary">Sign out</button>' in form.group(1)
    assert "Sign in" not in html


def test_signing_out_takes_a_post_with_the_csrf_token_and_shows_the_sign_in_page(
    make_staff, clinic
):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff("nurse", "nina.nurse"))
    token = csrf_token(browser.get("/station/").content.decode())

    assert browser.get("/logout/").status_code == 405  # a link or a prefetch cannot sign out
    assert browser.post("/logout/").status_code == 403  # nor can another site's form
    response = browser.post("/logout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    html = browser.get("/login/").content.decode()
    assert '<button type="submit">Sign in</button>' in html
    assert "nina.nurse" not in html
    assert browser.get("/station/")["Location"] == "/login/?next=/station/"


# --- The nurse's day at /station/ ---------------------------------------------------------------


def test_a_nurse_sees_todays_cases_in_time_order_with_everything_she_needs_to_find_them(
    make_staff, clinic
):
    alice = PatientFactory(first_name="Alice", last_name="Moreno")
    ben = PatientFactory(first_name="Ben", last_name="Okafor")
    carmen = PatientFactory(first_name="Carmen", last_name="Silva")
    book_today(
        clinic,
        ben,
        11,
        30,
        code="TPI",
        region="cervical",
        side="left",
        provider=clinic.ortiz,
        room=clinic.exam,
    )
    book_today(clinic, alice, 9)
    dora = PatientFactory(first_name="Dora", last_name="Lind")
    book_today(clinic, dora, 8)
    cancelled = book_today(clinic, carmen, 14, code="ESI_TF", side="bilateral")
    services.appointment_cancel(appointment=cancelled, reason="Patient has flu", acting_user=None)

    response = signed_in(make_staff("nurse")).get("/station/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = table_rows(html)
    assert rows[0] == [
        "Time",
        "Patient",
        "Procedure",
        "Provider",
        "Checklist",
        "Blood thinners",
        "Prior authorization",
        "Status",
    ]
    # A section per room (in the rooms' order), its cases in time order.
    assert [row[:4] for row in rows[1:]] == [
        ["Exam 1 1 case"],
        [
            "11:30–11:45",
            f"Ben Okafor {ben.mrn}",
            "Trigger point injections Cervical, left",
            "Dr. Ortiz",
        ],
        ["Suite 1 2 cases"],
        [
            "08:00–08:30",
            f"Dora Lind {dora.mrn}",
            "Medial branch block (diagnostic) Lumbar, right",
            "Dr. Chen",
        ],
        [
            "09:00–09:30",
            f"Alice Moreno {alice.mrn}",
            "Medial branch block (diagnostic) Lumbar, right",
            "Dr. Chen",
        ],
    ]
    assert rows[2][-1] == rows[4][-1] == rows[5][-1] == "Scheduled"
    # The cancelled case is not on the list to work, but said apart.
    assert (
        "Not coming (1) 14:00 Carmen Silva, Transforaminal epidural steroid injection, Suite 1: "
        "Cancelled" in visible_text(html)
    )
    assert "3 cases in 2 rooms." in visible_text(html)


def test_the_station_shows_the_clinics_day_and_not_yesterdays_or_tomorrows_cases(
    make_staff, clinic
):
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 16, 30)
    with time_machine.travel(local(2026, 11, 17, 7, 0), tick=False):
        book_case(
            clinic,
            patient=PatientFactory(first_name="Yesterday", last_name="Case"),
            side="left",
            provider=clinic.ortiz,
            room=clinic.suite2,
            start=local(2026, 11, 17, 16, 0),
        )
    book_case(
        clinic,
        patient=PatientFactory(first_name="Tomorrow", last_name="Case"),
        side="left",
        provider=clinic.ortiz,
        room=clinic.suite2,
        start=local(2026, 11, 19, 8, 0),
    )
    # 16:30 in New York is 21:30 UTC: still today on the clinic's clock, whatever UTC says.
    with time_machine.travel(local(2026, 11, 18, 20, 0), tick=False):
        html = signed_in(make_staff("nurse")).get("/station/").content.decode()

    [header, room, case] = table_rows(html)
    assert (room, case[0], case[1].split(" MRN")[0]) == (
        ["Suite 1 1 case"],
        "16:30–17:00",
        "Alice Moreno",
    )
    assert '<time datetime="2026-11-18">Wednesday 18 November 2026</time>' in html


def test_patient_names_are_escaped(make_staff, clinic):
    book_today(clinic, PatientFactory(first_name="<script>x()</script>", last_name="Moreno"), 9)

    html = signed_in(make_staff("nurse")).get("/station/").content.decode()

    assert "<script>x()" not in html
    assert "&lt;script&gt;x()&lt;/script&gt; Moreno" in html
