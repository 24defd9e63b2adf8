"""With DEBUG off, settings refuse the development reminder channels (unless allowed on
purpose) and SMTP without TLS, so every process of a bad deploy stops at start.

Each case imports the settings in a fresh process with its own environment, as web, worker,
beat and manage.py do; the function itself is tested on its own below.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.production import DEV_EMAIL_BACKENDS, SMTP_BACKEND, refuse_unsafe_production

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KEYED_FILES = "scheduling.reminders.mail.KeyedFileBackend"
STORED_SMS = "scheduling.reminders.channels.StoredSms"
# A provider's class is only named in the settings; nothing imports it at start.
PROVIDER_SMS = "clinic_sms.Provider"

# The settings this file varies: the test run's own values must not leak into a case.
_VARIED = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_BACKEND",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "SMS_BACKEND",
    "ALLOW_DEV_CHANNELS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
)
PRINT_SETTINGS = (
    "from django.conf import settings;"
    "print(settings.EMAIL_BACKEND, settings.SMS_BACKEND, settings.EMAIL_USE_TLS, "
    "settings.EMAIL_USE_SSL)"
)


def run(args: list[str], tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _VARIED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "example.org",
            **variables,
        }
    )
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def load_settings(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-c", PRINT_SETTINGS], tmp_path, **variables)


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("django.core.exceptions")]
    return line.removeprefix("django.core.exceptions.ImproperlyConfigured: ")


# --- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({}, f"EMAIL_BACKEND is {KEYED_FILES}"),
        ({"ALLOW_DEV_CHANNELS": "false"}, f"EMAIL_BACKEND is {KEYED_FILES}"),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "EMAIL_BACKEND is django.core.mail.backends.console.EmailBackend",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"},
            "EMAIL_BACKEND is django.core.mail.backends.filebased.EmailBackend",
        ),
        (
            {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
            "EMAIL_BACKEND is django.core.mail.backends.locmem.EmailBackend",
        ),
        ({"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_USE_TLS": "true"}, f"SMS_BACKEND is {STORED_SMS}"),
        ({"EMAIL_BACKEND": SMTP_BACKEND, "SMS_BACKEND": PROVIDER_SMS}, "SMTP without TLS"),
        (
            {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_USE_TLS": "false", "ALLOW_DEV_CHANNELS": "true"},
            "SMTP without TLS",
        ),
        (
            {
                "EMAIL_BACKEND": SMTP_BACKEND,
                "EMAIL_USE_TLS": "true",
                "EMAIL_USE_SSL": "true",
                "SMS_BACKEND": PROVIDER_SMS,
            },
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both on",
        ),
    ],
    ids=[
        "defaults",
        "allow-false",
        "console-email",
        "django-file-email",
        "memory-email",
        "sms-table",
        "smtp-clear",
        "smtp-clear-even-when-dev-channels-allowed",
        "tls-and-ssl",
    ],
)
def test_settings_with_debug_off_refuse_to_load_and_say_what_to_set(tmp_path, variables, says):
    sentence = refusal(load_settings(tmp_path, **variables))

    assert says in sentence
    assert "set " in sentence


def test_the_refusal_stops_manage_py_and_the_celery_worker_and_beat_at_start(tmp_path):
    commands = {
        "manage.py": [sys.executable, "manage.py", "check"],
        "worker": [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo"],
        "beat": [str(BIN / "celery"), "-A", "config", "beat"],
    }
    for name, command in commands.items():
        result = run(command, tmp_path, SMS_BACKEND=PROVIDER_SMS)

        assert "ALLOW_DEV_CHANNELS=true" in refusal(result), name


# --- allowed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "loaded"),
    [
        ({"ALLOW_DEV_CHANNELS": "true"}, f"{KEYED_FILES} {STORED_SMS} False False"),
        (
            {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_USE_TLS": "true", "SMS_BACKEND": PROVIDER_SMS},
            f"{SMTP_BACKEND} {PROVIDER_SMS} True False",
        ),
        (
            {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_USE_SSL": "1", "SMS_BACKEND": PROVIDER_SMS},
            f"{SMTP_BACKEND} {PROVIDER_SMS} False True",
        ),
        (
            {"EMAIL_BACKEND": SMTP_BACKEND, "EMAIL_USE_TLS": "yes", "ALLOW_DEV_CHANNELS": "true"},
            f"{SMTP_BACKEND} {STORED_SMS} True False",
        ),
        ({"DEBUG": "true"}, f"{KEYED_FILES} {STORED_SMS} False False"),
        (
            {"DEBUG": "true", "EMAIL_BACKEND": SMTP_BACKEND},
            f"{SMTP_BACKEND} {STORED_SMS} False False",
        ),
    ],
    ids=[
        "dev-channels-allowed",
        "smtp-starttls-and-provider",
        "smtp-ssl-and-provider",
        "smtp-tls-and-sms-table-allowed",
        "debug-defaults",
        "debug-smtp-clear",
    ],
)
def test_settings_load_with_a_safe_or_explicitly_allowed_combination(tmp_path, variables, loaded):
    result = load_settings(tmp_path, **variables)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == loaded


# --- the function on its own ------------------------------------------------------------------

SAFE: dict[str, Any] = {
    "debug": False,
    "email_backend": SMTP_BACKEND,
    "email_use_tls": True,
    "email_use_ssl": False,
    "sms_backend": PROVIDER_SMS,
    "allow_dev_channels": False,
}


def check(**changes: Any) -> None:
    refuse_unsafe_production(**{**SAFE, **changes})


def test_a_production_setup_with_smtp_over_tls_and_a_provider_passes():
    check()


@pytest.mark.parametrize("backend", sorted(DEV_EMAIL_BACKENDS))
def test_every_development_email_backend_is_refused_unless_allowed(backend):
    with pytest.raises(ImproperlyConfigured, match="ALLOW_DEV_CHANNELS=true"):
        check(email_backend=backend)

    check(email_backend=backend, allow_dev_channels=True)


def test_the_sms_table_is_refused_unless_allowed():
    with pytest.raises(ImproperlyConfigured, match="SMS_BACKEND to a real provider"):
        check(sms_backend=STORED_SMS)

    check(sms_backend=STORED_SMS, allow_dev_channels=True)


def test_smtp_needs_tls_or_ssl_and_not_both():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_USE_TLS=true .* or EMAIL_USE_SSL=true"):
        check(email_use_tls=False, allow_dev_channels=True)
    with pytest.raises(ImproperlyConfigured, match="both on"):
        check(email_use_ssl=True)

    check(email_use_tls=False, email_use_ssl=True)


def test_nothing_is_refused_while_debug_is_on():
    check(debug=True, email_use_tls=False, sms_backend=STORED_SMS)
    check(debug=True, email_backend=KEYED_FILES)
