"""The home page at `/`: who is signed in, where to go, and today's cases for clinic staff."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client

from clinic.models import Patient
from scheduling import services
from scheduling.models import Appointment
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, local, make_small_clinic

PASSWORD = "pw-for-tests-1"  # the password tests/conftest.py's make_staff gives every user
# A Wednesday morning before the first case; the clinic's hours are 08:00-17:00.
NOW = local(2026, 11, 18, 7, 30)


def book_today(
    clinic: SmallClinic, patient: Patient, hour: int, minute: int = 0, **place: object
) -> Appointment:
    """Book a case through the real service, on the clinic's clock, on NOW's day."""
    return services.appointment_book(
        patient=patient,
        procedure_type=clinic.procedure(str(place.pop("procedure", "MBB"))),
        region=str(place.pop("region", "lumbar")),
        side=str(place.pop("side", "right")),
        provider=place.pop("provider", clinic.chen),  # type: ignore[arg-type]
        room=place.pop("room", clinic.suite1),  # type: ignore[arg-type]
        start=local(NOW.year, NOW.month, NOW.day, hour, minute),
        acting_user=None,
    )


class _Tables(HTMLParser):
    """Collects the text of each row of the page's tables, cell by cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    return parser.rows


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(db: None) -> SmallClinic:
    return make_small_clinic()


def signed_in(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


# --- Who is here -------------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_clinic_name_and_a_sign_in_link_but_no_cases(
    client, clinic, settings
):
    settings.CLINIC_NAME = "Lakeside Spine Center"
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Lakeside Spine Center</title>" in html
    assert re.search(r'<p class="clinic-name"><a href="/">Lakeside Spine Center</a></p>', html)
    assert '<a href="/login/?next=/">Sign in</a>' in html
    assert "Moreno" not in html
    assert "/api/docs/" not in html
    assert "/admin/" not in html
    assert "Sign out" not in html
    assert "<nav" not in html


def test_a_nurse_sees_her_name_and_role_the_api_docs_and_a_sign_out_form_but_no_admin_link(
    make_staff,
):
    nurse = make_staff("nurse", "nina.nurse")

    html = signed_in(nurse).get("/").content.decode()

    assert re.search(r'Signed in as <strong class="username">nina\.nurse</strong>', html)
    assert '<span class="roles">(Nurse)</span>' in html
    assert '<a href="/api/docs/">API docs</a>' in html
    assert "/admin/" not in html
    form = re.search(r'<form method="post" action="/logout/">(.*?)</form>', html, re.S)
    assert form, html
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert '<button type="submit">Sign out</button>' in form.group(1)
    assert "Sign in" not in html


def test_a_manager_also_gets_a_link_to_the_admin(make_staff):
    manager = make_staff("manager", "maria.manager")

    html = signed_in(manager).get("/").content.decode()

    assert '<span class="roles">(Manager)</span>' in html
    assert '<a href="/admin/">Admin</a>' in html
    assert '<a href="/api/docs/">API docs</a>' in html


def test_a_scheduler_gets_no_admin_link_either(make_staff):
    html = signed_in(make_staff("scheduler")).get("/").content.decode()

    assert '<span class="roles">(Scheduler)</span>' in html
    assert "/admin/" not in html


def test_a_signed_in_account_without_a_clinic_role_sees_no_patients(make_staff, clinic):
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)

    html = signed_in(make_staff(None, "no.role")).get("/").content.decode()

    assert "no.role" in html
    assert "no clinic role" in html
    assert "Moreno" not in html
    assert table_rows(html) == []


# --- Today's cases -----------------------------------------------------------------------------


def test_a_nurse_sees_todays_cases_in_time_order_with_everything_she_needs_to_find_them(
    make_staff, clinic
):
    alice = PatientFactory(first_name="Alice", last_name="Moreno")
    ben = PatientFactory(first_name="Ben", last_name="Okafor")
    carmen = PatientFactory(first_name="Carmen", last_name="Silva")
    book_today(
        clinic, ben, 11, 30, procedure="TPI", region="cervical", side="left",
        provider=clinic.ortiz, room=clinic.exam,
    )  # fmt: skip
    book_today(clinic, alice, 9)
    cancelled = book_today(clinic, carmen, 14, procedure="ESI_TF", side="bilateral")
    services.appointment_cancel(appointment=cancelled, reason="Patient has flu", acting_user=None)

    response = signed_in(make_staff("nurse")).get("/")

    assert response.status_code == 200
    rows = table_rows(response.content.decode())
    assert rows[0] == [
        "Time",
        "Patient",
        "Procedure",
        "Region / side",
        "Provider",
        "Room",
        "Status",
    ]
    assert [row[:2] for row in rows[1:]] == [
        ["09:00–09:30", "Alice Moreno"],
        ["11:30–11:45", "Ben Okafor"],
        ["14:00–14:30", "Carmen Silva"],
    ]
    assert rows[1][2:] == ["MBB", "Lumbar / Right", "Dr. Chen", "Suite 1", "Scheduled"]
    assert rows[2][2:] == ["TPI", "Cervical / Left", "Dr. Ortiz", "Exam 1", "Scheduled"]
    assert rows[3][2:] == ["ESI_TF", "Lumbar / Bilateral", "Dr. Chen", "Suite 1", "Cancelled"]
    assert "3 appointments today" in response.content.decode()


def test_the_page_shows_the_clinics_day_and_not_yesterdays_or_tomorrows_cases(make_staff, clinic):
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 16, 30)
    with time_machine.travel(local(2026, 11, 17, 7, 0), tick=False):
        services.appointment_book(
            patient=PatientFactory(first_name="Yesterday", last_name="Case"),
            procedure_type=clinic.procedure("MBB"),
            region="lumbar",
            side="left",
            provider=clinic.ortiz,
            room=clinic.suite2,
            start=local(2026, 11, 17, 16, 0),
            acting_user=None,
        )
    services.appointment_book(
        patient=PatientFactory(first_name="Tomorrow", last_name="Case"),
        procedure_type=clinic.procedure("MBB"),
        region="lumbar",
        side="left",
        provider=clinic.ortiz,
        room=clinic.suite2,
        start=local(2026, 11, 19, 8, 0),
        acting_user=None,
    )
    # 16:30 in New York is 21:30 UTC: still today on the clinic's clock, whatever UTC says.
    with time_machine.travel(local(2026, 11, 18, 20, 0), tick=False):
        html = signed_in(make_staff("nurse")).get("/").content.decode()

    assert [row[:2] for row in table_rows(html)[1:]] == [["16:30–17:00", "Alice Moreno"]]
    assert '<time datetime="2026-11-18">Wednesday 18 November 2026</time>' in html


def test_with_no_cases_today_the_page_says_so(make_staff, clinic):
    html = signed_in(make_staff("scheduler")).get("/").content.decode()

    assert "No appointments today." in html
    assert table_rows(html) == []


def test_patient_names_are_escaped(make_staff, clinic):
    book_today(clinic, PatientFactory(first_name="<script>x()</script>", last_name="Moreno"), 9)

    html = signed_in(make_staff("nurse")).get("/").content.decode()

    assert "<script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt; Moreno" in html


# --- Signing in and out ------------------------------------------------------------------------


def test_a_nurse_signs_in_from_the_home_page_and_comes_back_to_it(make_staff, clinic):
    make_staff("nurse", "nina.nurse")
    book_today(clinic, PatientFactory(first_name="Alice", last_name="Moreno"), 9)
    browser = Client(enforce_csrf_checks=True)

    form = browser.get("/login/?next=/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert '<input type="hidden" name="next" value="/">' in form
    response = browser.post(
        "/login/",
        {
            "username": "nina.nurse",
            "password": PASSWORD,
            "next": "/",
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    html = browser.get("/").content.decode()
    assert "nina.nurse" in html
    assert "Alice Moreno" in html


def test_a_wrong_password_shows_the_sign_in_form_again_with_an_alert(make_staff):
    make_staff("nurse", "nina.nurse")

    response = Client().post("/login/", {"username": "nina.nurse", "password": "nope"})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="errors" role="alert">' in html
    assert "correct username and password" in html
    assert "_auth_user_id" not in response.client.session


def test_a_sign_in_page_will_not_send_anyone_to_another_site(make_staff):
    make_staff("nurse", "nina.nurse")

    response = Client().post(
        "/login/?next=https://evil.example/",
        {"username": "nina.nurse", "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_signing_out_takes_a_post_with_the_csrf_token_and_shows_the_anonymous_page(make_staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_staff("nurse", "nina.nurse"))
    home = browser.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home).group(1)

    assert browser.get("/logout/").status_code == 405  # a link or a prefetch cannot sign out
    assert browser.post("/logout/").status_code == 403  # nor can another site's form
    response = browser.post("/logout/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert response["Location"] == "/"
    html = browser.get("/").content.decode()
    assert "Sign in" in html
    assert "nina.nurse" not in html
