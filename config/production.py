"""Refusals checked when settings load with DEBUG off.

Every process (web, worker, beat, manage.py) imports the settings, so a deploy that would
write patients' messages to files or a table, or send email in clear text, fails at start
with a sentence saying what to set, instead of running quietly.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

# Email backends that keep messages on this machine (files, console, memory) or drop them:
# no patient ever receives one.
DEV_EMAIL_BACKENDS = frozenset(
    {
        "scheduling.reminders.mail.KeyedFileBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
# SMS backends that keep messages in the database instead of sending them.
DEV_SMS_BACKENDS = frozenset({"scheduling.reminders.channels.StoredSms"})


def refuse_unsafe_production(
    *,
    debug: bool,
    email_backend: str,
    email_use_tls: bool,
    email_use_ssl: bool,
    sms_backend: str,
    allow_dev_channels: bool,
) -> None:
    """Raise ImproperlyConfigured when production settings would mishandle patients' messages.

    Nothing is refused while DEBUG is on (development, `make run`, tests).
    """
    if debug:
        return
    if email_backend in DEV_EMAIL_BACKENDS and not allow_dev_channels:
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND is {email_backend}, a development backend that sends nothing to "
            f"patients, and DEBUG is off: set EMAIL_BACKEND={SMTP_BACKEND} with "
            "EMAIL_USE_TLS=true or EMAIL_USE_SSL=true, or set ALLOW_DEV_CHANNELS=true to keep "
            "it on purpose (a demonstration or test server)."
        )
    if sms_backend in DEV_SMS_BACKENDS and not allow_dev_channels:
        raise ImproperlyConfigured(
            f"SMS_BACKEND is {sms_backend}, which stores text messages in a table instead of "
            "sending them, and DEBUG is off: set SMS_BACKEND to a real provider's class, or "
            "set ALLOW_DEV_CHANNELS=true to keep it on purpose (a demonstration or test server)."
        )
    if email_backend == SMTP_BACKEND:
        if email_use_tls and email_use_ssl:
            raise ImproperlyConfigured(
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both on: set only one of them "
                "(EMAIL_USE_TLS=true for STARTTLS, usually port 587; EMAIL_USE_SSL=true for "
                "implicit TLS, usually port 465)."
            )
        if not (email_use_tls or email_use_ssl):
            raise ImproperlyConfigured(
                "SMTP without TLS would send patients' messages in clear text, and DEBUG is "
                "off: set EMAIL_USE_TLS=true (STARTTLS, usually port 587) or EMAIL_USE_SSL=true "
                "(implicit TLS, usually port 465)."
            )
