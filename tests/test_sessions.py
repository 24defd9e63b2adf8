"""Browser sessions end after SESSION_IDLE_MINUTES without a request from the person, and the
cookies carry the production flags. Through Django's test client, on a stopped clock.

Nina the nurse keeps the station open; Sam the scheduler works the patient list.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings

from clinic.models import AuditEvent
from clinic.sessions import LAST_ACTIVITY
from tests.pages_helpers import page_text
from tests.scheduling_helpers import local

NOW = local(2026, 11, 18, 7, 30)  # a Wednesday morning
IDLE_MESSAGE = (
    "You were signed out after 30 minutes without activity, to keep patient information "
    "private. Sign in again to carry on."
)
POLL = {"HX-Request": "true", "X-Clinic-Poll": "1"}
BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.clock_at(NOW)


@pytest.fixture
def sam(pages_as) -> Client:
    return pages_as("scheduler")


@pytest.fixture
def nina(pages_as) -> Client:
    return pages_as("nurse")


def stored_activity(client: Client) -> int | None:
    """The last-activity time as stored in the session table (not the client's copy)."""
    row = Session.objects.get(session_key=client.session.session_key)
    return row.get_decoded().get(LAST_ACTIVITY)


def sign_out_events(user) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="auth.sign_out", actor_id=user.pk))


def test_a_session_quiet_for_29_minutes_is_still_signed_in(sam, clock):
    assert sam.get("/patients/").status_code == 200

    clock.shift(dt.timedelta(minutes=29))

    assert sam.get("/patients/").status_code == 200
    assert sign_out_events(sam.user) == []


def test_after_31_quiet_minutes_a_page_goes_to_sign_in_which_says_why_and_keeps_next(sam, clock):
    sam.get("/patients/")
    clock.shift(dt.timedelta(minutes=31))

    response = sam.get("/patients/?q=moreno")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/patients/%3Fq%3Dmoreno"
    # The idle sign-out is told apart from a click on "Sign out" for the audit trail.
    assert response.wsgi_request.session_end_reason == "idle"
    assert [event.reason for event in sign_out_events(sam.user)] == ["idle"]
    sign_in = sam.get(response["Location"])
    assert IDLE_MESSAGE in page_text(sign_in)
    assert 'name="next" value="/patients/?q=moreno"' in sign_in.content.decode()
    # Signed out for good, and the message is said once.
    assert sam.get("/patients/")["Location"].startswith("/login/")
    assert IDLE_MESSAGE not in page_text(sam.get("/login/"))


def test_the_message_names_the_minutes_of_the_setting(sam, clock, settings):
    settings.SESSION_IDLE_MINUTES = 10
    sam.get("/patients/")
    clock.shift(dt.timedelta(minutes=11))

    sam.get("/patients/")

    assert "signed out after 10 minutes without activity" in page_text(sam.get("/login/"))


def test_a_click_keeps_the_session_alive(sam, clock):
    sam.get("/patients/")
    clock.shift(dt.timedelta(minutes=20))
    assert sam.get("/patients/").status_code == 200

    clock.shift(dt.timedelta(minutes=25))  # 45 minutes after the first, 25 after the last

    assert sam.get("/patients/").status_code == 200


def test_the_worklist_refreshing_itself_does_not_keep_the_session_alive(nina, clock):
    assert nina.get("/station/").status_code == 200
    started = stored_activity(nina)

    for _ in range(29):  # the worklist polls every 30 s; one poll a minute is enough here
        clock.shift(dt.timedelta(minutes=1))
        assert nina.get("/station/", headers=POLL).status_code == 200
    assert stored_activity(nina) == started

    clock.shift(dt.timedelta(minutes=1, seconds=30))
    refresh = nina.get("/station/", headers=POLL)

    assert refresh.status_code == 204
    assert refresh["HX-Refresh"] == "true"
    assert refresh.wsgi_request.session_end_reason == "idle"
    reloaded = nina.get("/station/")
    assert reloaded["Location"] == "/login/?next=/station/"
    assert IDLE_MESSAGE in page_text(nina.get(reloaded["Location"]))


def test_the_station_marks_its_refresh_as_a_poll(nina):
    html = nina.get("/station/").content.decode()

    assert 'hx-headers=\'{"X-Clinic-Poll": "1"}\'' in html


def test_an_htmx_request_after_the_timeout_reloads_the_whole_page_to_sign_in(sam, clock):
    sam.get("/patients/")
    clock.shift(dt.timedelta(minutes=31))

    response = sam.get("/patients/?q=mor", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    assert "Moreno" not in response.content.decode()
    # The reload htmx then makes goes to sign-in, as for a page left signed out.
    assert sam.get("/patients/", headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    assert sam.get("/patients/")["Location"] == "/login/?next=/patients/"


def test_a_form_sent_after_the_timeout_comes_back_to_the_page_it_was_on(sam, clock):
    sam.get("/patients/new/")
    clock.shift(dt.timedelta(minutes=31))

    response = sam.post(
        "/patients/new/",
        {"first_name": "Alice"},
        headers={"Referer": "http://testserver/patients/new/?from=desk"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/patients/new/%3Ffrom%3Ddesk"


def test_the_activity_time_is_written_at_most_once_a_minute(sam, clock):
    first = sam.get("/patients/")
    stamped = stored_activity(sam)
    # Stamped at sign-in, in the session login() saves anyway: the first page writes nothing.
    assert stamped == int(NOW.timestamp())
    assert django_settings.SESSION_COOKIE_NAME not in first.cookies

    for seconds in (10, 30, 59):
        clock.move_to(NOW + dt.timedelta(seconds=seconds))
        response = sam.get("/patients/")
        assert django_settings.SESSION_COOKIE_NAME not in response.cookies, seconds
        assert stored_activity(sam) == stamped

    clock.move_to(NOW + dt.timedelta(seconds=61))
    response = sam.get("/patients/")

    assert django_settings.SESSION_COOKIE_NAME in response.cookies
    assert stored_activity(sam) == stamped + 61


def test_the_idle_check_of_an_open_page_says_how_long_is_left_without_counting(sam, clock):
    sam.get("/patients/")
    clock.shift(dt.timedelta(minutes=10))

    status = sam.get("/account/session/", headers={"X-Clinic-Poll": "1"})

    assert status.status_code == 200
    assert status.json() == {"seconds_left": 20 * 60}
    assert "no-store" in status["Cache-Control"]
    clock.shift(dt.timedelta(minutes=21))
    ended = sam.get("/account/session/", headers={"X-Clinic-Poll": "1"})
    assert ended.status_code == 302  # idle.js then reloads the page, into sign-in


def test_a_signed_in_page_loads_the_idle_script_with_the_minutes(sam, client, settings):
    settings.SESSION_IDLE_MINUTES = 12

    html = sam.get("/patients/").content.decode()

    assert 'src="/static/scheduling/idle.js"' in html
    assert 'data-idle-minutes="12"' in html
    assert 'data-status-url="/account/session/"' in html
    assert "idle.js" not in client.get("/login/").content.decode()


def test_a_session_ends_after_session_max_hours_even_while_in_use(sam, clock, settings):
    settings.SESSION_MAX_HOURS = 1
    for _ in range(3):
        assert sam.get("/patients/").status_code == 200
        clock.shift(dt.timedelta(minutes=20))

    response = sam.get("/patients/")

    assert response["Location"] == "/login/?next=/patients/"
    assert "a session lasts at most 1 hour" in page_text(sam.get("/login/"))


def test_an_api_token_is_not_timed_out_like_a_browser_session(api_as, clock):
    api = api_as("scheduler")
    assert api.get("/api/auth/me/").status_code == 200

    clock.shift(dt.timedelta(minutes=45))

    assert api.get("/api/auth/me/").status_code == 200


def test_the_api_read_with_a_browser_session_is_refused_after_the_timeout(sam, clock):
    assert sam.get("/api/auth/me/").status_code == 200
    clock.shift(dt.timedelta(minutes=31))

    response = sam.get("/api/auth/me/")

    # The API's own refusal in its error shape, not a redirect to a page.
    assert response.status_code in (401, 403)
    assert response.json()["code"]
    assert len(sign_out_events(sam.user)) == 1


def test_a_clicked_sign_out_is_not_marked_idle(sam):
    sam.get("/patients/")

    response = sam.post("/logout/")

    assert response.status_code == 302
    assert getattr(response.wsgi_request, "session_end_reason", None) is None
    assert len(sign_out_events(sam.user)) == 1
    assert "without activity" not in page_text(sam.get("/login/"))


# --- Cookie flags in production ------------------------------------------------------------------


def production_settings() -> dict[str, object]:
    """The cookie settings as a production process loads them (DEBUG off), in a fresh
    interpreter, since settings are read once at import."""
    names = [
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SAMESITE",
        "CSRF_COOKIE_DOMAIN",
        "CSRF_COOKIE_PATH",
    ]
    script = (
        "import json\n"
        "from django.conf import settings\n"
        "settings._setup()\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "clinic.example",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_USE_TLS": "true",
        "ALLOW_DEV_CHANNELS": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production() -> dict[str, object]:
    return production_settings()


def test_production_cookies_are_host_only_secure_http_only_and_lax(production):
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    for kind in ("SESSION", "CSRF"):
        assert production[f"{kind}_COOKIE_SECURE"] is True
        assert production[f"{kind}_COOKIE_HTTPONLY"] is True
        assert production[f"{kind}_COOKIE_SAMESITE"] == "Lax"
        # __Host- cookies must have no Domain and the whole site's path, or browsers drop them.
        assert production[f"{kind}_COOKIE_DOMAIN"] is None
        assert production[f"{kind}_COOKIE_PATH"] == "/"


def test_development_keeps_plain_cookie_names_for_http(production):
    # `make run` serves plain http: __Host- cookies would be refused by the browser there.
    assert django_settings.SESSION_COOKIE_NAME == "sessionid"
    assert django_settings.SESSION_COOKIE_SECURE is False


def test_a_real_sign_in_with_debug_off_sets_cookies_with_those_flags(production, make_staff):
    make_staff("scheduler", "sam.scheduler")
    client = Client()

    with override_settings(DEBUG=False, **production):
        form = client.get("/login/", secure=True)
        signed_in = client.post(
            "/login/",
            {"username": "sam.scheduler", "password": "pw-for-tests-1"},
            secure=True,
        )

    assert signed_in.status_code == 302
    session = signed_in.cookies["__Host-sessionid"].output()
    csrf = form.cookies["__Host-csrftoken"].output()
    for header in (session, csrf):
        assert "; Secure" in header
        assert "; HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert "Domain=" not in header
