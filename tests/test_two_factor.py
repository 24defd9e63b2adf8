"""The optional second factor: Maria the manager adds an authenticator app, signs in with its
code, and the admin (with ADMIN_REQUIRE_OTP) and the API token ask for it too.

Codes are computed from the device's own key with django-otp's TOTP, on the test's clock, as
the app on Maria's phone would.
"""

from __future__ import annotations

import datetime as dt
import re
from base64 import b32encode

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditEvent
from tests.pages_helpers import page_text
from tests.scheduling_helpers import local

NOW = local(2026, 11, 18, 7, 30)
PASSWORD = "pw-for-tests-1"

pytestmark = pytest.mark.clock_at(NOW)


def code_of(device: TOTPDevice) -> str:
    """The code the app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that is none of those django-otp accepts now (the tolerance takes the step
    before and after too)."""
    accepted = {
        f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + d):06d}"
        for d in (-1, 0, 1)
    }
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in accepted)


def next_step(clock) -> None:
    """Half a minute on: the app shows a new code (a used code is not accepted twice), and
    django-otp's short wait after a wrong code has passed."""
    clock.shift(dt.timedelta(seconds=30))


@pytest.fixture
def maria(make_staff):
    return make_staff("manager", "maria.manager")


@pytest.fixture
def marias_app(maria) -> TOTPDevice:
    return TOTPDevice.objects.create(user=maria, name="Authenticator app", confirmed=True)


def signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


# --- Adding and removing an app ------------------------------------------------------------------


def test_a_manager_adds_an_app_confirming_it_with_its_first_code(maria, clock):
    client = Client()
    client.force_login(maria)
    assert "Add an authenticator app" in page_text(client.get("/account/two-factor/"))

    assert client.post("/account/two-factor/", {"action": "start"}).status_code == 302
    page = client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=maria)
    assert not device.confirmed
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    secret = b32encode(device.bin_key).decode()
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page_text(page)
    assert "no-store" in page["Cache-Control"]

    refused = client.post("/account/two-factor/", {"action": "confirm", "code": wrong_code(device)})
    assert refused.status_code == 400
    assert "That is not the app's current code." in page_text(refused)
    device.refresh_from_db()
    assert not device.confirmed

    next_step(clock)
    confirmed = client.post("/account/two-factor/", {"action": "confirm", "code": code_of(device)})

    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert "Authenticator app added" in page_text(client.get(confirmed["Location"]))
    assert AuditEvent.objects.filter(action="two_factor.add", actor_id=maria.pk).count() == 1
    # The session that typed the code has passed the second factor.
    assert client.session.get("otp_device_id") == device.persistent_id


def test_removing_the_app_takes_its_current_code(maria, marias_app, clock):
    client = Client()
    client.force_login(maria)

    refused = client.post(
        "/account/two-factor/", {"action": "remove", "code": wrong_code(marias_app)}
    )
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(pk=marias_app.pk).exists()

    next_step(clock)
    removed = client.post("/account/two-factor/", {"action": "remove", "code": code_of(marias_app)})

    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(user=maria).exists()
    assert AuditEvent.objects.filter(action="two_factor.remove", actor_id=maria.pk).count() == 1
    assert "Add an authenticator app" in page_text(client.get("/account/two-factor/"))


def test_the_page_is_for_managers_only(pages_as):
    response = pages_as("nurse").get("/account/two-factor/")

    assert response.status_code == 403


# --- Signing in with the code --------------------------------------------------------------------


def test_the_right_password_alone_does_not_sign_in_an_account_with_an_app(maria, marias_app):
    client = Client()

    response = client.post(
        "/login/", {"username": "maria.manager", "password": PASSWORD, "next": "/patients/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/login/code/?next=/patients/"
    assert signed_in_as(client) is None
    assert client.get("/patients/")["Location"].startswith("/login/")
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()
    page = client.get(response["Location"])
    assert "Code from the app" in page_text(page)


def test_the_right_code_signs_in_and_goes_on_to_next(maria, marias_app):
    client = Client()
    client.post(
        "/login/", {"username": "maria.manager", "password": PASSWORD, "next": "/patients/"}
    )

    response = client.post("/login/code/", {"code": code_of(marias_app), "next": "/patients/"})

    assert response.status_code == 302
    assert response["Location"] == "/patients/"
    assert signed_in_as(client) == str(maria.pk)
    assert client.session.get("otp_device_id") == marias_app.persistent_id
    assert AuditEvent.objects.filter(action="auth.sign_in", actor_id=maria.pk).count() == 1


def test_a_wrong_code_is_refused_in_words_and_recorded_as_a_failed_sign_in(maria, marias_app):
    client = Client()
    client.post("/login/", {"username": "maria.manager", "password": PASSWORD})

    response = client.post("/login/code/", {"code": wrong_code(marias_app)})

    assert response.status_code == 400
    text = page_text(response)
    assert "That is not the app's current code. Type the newest code the app shows." in text
    assert "4 tries left" in text
    assert signed_in_as(client) is None
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed")
    assert [e.actor_username for e in failed] == ["maria.manager"]


def test_a_used_code_is_not_accepted_a_second_time(maria, marias_app):
    code = code_of(marias_app)
    first, second = Client(), Client()
    first.post("/login/", {"username": "maria.manager", "password": PASSWORD})
    second.post("/login/", {"username": "maria.manager", "password": PASSWORD})

    assert first.post("/login/code/", {"code": code}).status_code == 302
    assert second.post("/login/code/", {"code": code}).status_code == 400
    assert signed_in_as(second) is None


def test_the_code_step_ends_after_five_minutes(maria, marias_app, clock):
    client = Client()
    client.post("/login/", {"username": "maria.manager", "password": PASSWORD})
    clock.shift(dt.timedelta(minutes=5, seconds=1))

    response = client.post("/login/code/", {"code": code_of(marias_app)})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert signed_in_as(client) is None
    assert "waited more than five minutes" in page_text(client.get(response["Location"]))


def test_five_wrong_codes_end_the_pending_sign_in(maria, marias_app, clock, settings):
    settings.AXES_FAILURE_LIMIT = 10  # the lockout would otherwise come first (next test)
    client = Client()
    client.post("/login/", {"username": "maria.manager", "password": PASSWORD})

    for left in (4, 3, 2, 1):
        next_step(clock)
        refused = client.post("/login/code/", {"code": wrong_code(marias_app)})
        assert f"{left} tr" in page_text(refused)
    next_step(clock)
    last = client.post("/login/code/", {"code": wrong_code(marias_app)})

    assert last.status_code == 302
    next_step(clock)
    # Even the right code is too late now: the password has to come first again.
    again = client.post("/login/code/", {"code": code_of(marias_app)})
    assert again["Location"].startswith("/login/")
    assert signed_in_as(client) is None


def test_wrong_codes_count_toward_the_lockout_like_wrong_passwords(maria, marias_app, clock):
    client = Client()
    client.post("/login/", {"username": "maria.manager", "password": PASSWORD})

    for _ in range(5):
        next_step(clock)
        response = client.post("/login/code/", {"code": wrong_code(marias_app)})

    assert response.status_code == 429
    assert "Sign-in locked for a while" in page_text(response)
    next_step(clock)
    again = client.post("/login/", {"username": "maria.manager", "password": PASSWORD})
    assert again.status_code == 429
    assert signed_in_as(client) is None


def test_a_wait_after_a_wrong_code_is_said_and_not_counted(maria, marias_app):
    client = Client()
    client.post("/login/", {"username": "maria.manager", "password": PASSWORD})
    client.post("/login/code/", {"code": wrong_code(marias_app)})

    # The clock is stopped: django-otp's one-second wait after a wrong code has not passed.
    response = client.post("/login/code/", {"code": code_of(marias_app)})

    assert response.status_code == 400
    assert "Too many wrong codes in a row: wait 1 second" in page_text(response)
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 1


def test_an_account_without_an_app_signs_in_with_the_password_alone(make_staff):
    make_staff("scheduler", "sam.scheduler")
    client = Client()

    response = client.post("/login/", {"username": "sam.scheduler", "password": PASSWORD})

    assert response["Location"] == "/"
    assert signed_in_as(client) is not None


# --- The admin -----------------------------------------------------------------------------------


def test_the_admins_login_sends_everyone_to_the_clinics_sign_in(client, db):
    for method in (client.get, client.post):
        response = method("/admin/login/?next=/admin/procedures/drug/")
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/admin/procedures/drug/"
    assert client.get("/admin/login/")["Location"] == "/login/?next=/admin/"


def test_signing_in_through_the_admins_door_comes_back_to_the_admin(maria):
    client = Client()
    door = client.get("/admin/")["Location"]
    sign_in = client.get(door, follow=True)
    assert sign_in.request["PATH_INFO"] == "/login/"

    response = client.post(
        "/login/", {"username": "maria.manager", "password": PASSWORD, "next": "/admin/"}
    )

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_nurse_signed_in_is_told_the_admin_is_for_managers(pages_as):
    nurse = pages_as("nurse")

    response = nurse.get("/admin/", follow=True)

    assert response.status_code == 403
    assert "This page is for managers" in page_text(response)


def test_with_admin_require_otp_a_manager_without_an_app_is_sent_to_add_one(maria, settings):
    settings.ADMIN_REQUIRE_OTP = True
    client = Client()
    client.force_login(maria)

    response = client.get("/admin/", follow=True)

    assert response.request["PATH_INFO"] == "/account/two-factor/"
    assert re.search(r"next=/admin/", response.redirect_chain[-1][0])
    text = page_text(response)
    assert "The admin asks for a second sign-in step" in text
    assert "Add an authenticator app" in text


def test_with_admin_require_otp_the_admin_opens_after_the_app_is_added(maria, settings, clock):
    settings.ADMIN_REQUIRE_OTP = True
    client = Client()
    client.force_login(maria)
    client.post("/account/two-factor/?next=/admin/", {"action": "start", "next": "/admin/"})
    device = TOTPDevice.objects.get(user=maria)

    confirmed = client.post(
        "/account/two-factor/", {"action": "confirm", "code": code_of(device), "next": "/admin/"}
    )

    assert confirmed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_with_admin_require_otp_an_unverified_session_is_asked_for_the_code(
    maria, marias_app, settings
):
    settings.ADMIN_REQUIRE_OTP = True
    client = Client()
    client.force_login(maria)  # signed in, but not through the code

    refused = client.get("/admin/procedures/drug/")
    assert refused.status_code == 302
    asked = client.get(refused["Location"])
    assert asked["Location"] == "/login/code/?next=/admin/procedures/drug/"
    assert client.get("/admin/procedures/drug/").status_code == 302

    response = client.post(
        "/login/code/", {"code": code_of(marias_app), "next": "/admin/procedures/drug/"}
    )

    assert response["Location"] == "/admin/procedures/drug/"
    assert client.get("/admin/procedures/drug/").status_code == 200


def test_without_admin_require_otp_a_manager_without_an_app_gets_the_admin(maria, settings):
    settings.ADMIN_REQUIRE_OTP = False
    client = Client()
    client.force_login(maria)

    assert client.get("/admin/").status_code == 200


# --- The API token -------------------------------------------------------------------------------


def test_an_api_token_for_an_account_with_an_app_needs_its_code(anon_api, maria, marias_app, clock):
    body = {"username": "maria.manager", "password": PASSWORD}

    without = anon_api.post("/api/auth/token/", body, format="json")
    assert without.status_code == 400
    assert without.json() == {
        "code": ["This account uses an authenticator app: send its current six-digit code."]
    }

    wrong = anon_api.post(
        "/api/auth/token/", {**body, "code": wrong_code(marias_app)}, format="json"
    )
    assert wrong.status_code == 400
    assert "not the authenticator's current one" in wrong.json()["code"][0]

    next_step(clock)
    right = anon_api.post("/api/auth/token/", {**body, "code": code_of(marias_app)}, format="json")
    assert right.status_code == 200
    assert right.json()["token"]
