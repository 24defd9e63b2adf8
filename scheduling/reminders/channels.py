"""Channels a reminder goes out on. Each says whether a key was delivered, and sends.

`delivered(key)` lets a retried send find out that an earlier attempt got through (the
worker died after the channel accepted it): then nothing is sent again. The development
channels answer it from their own output; SMTP cannot, so a crash in that instant can
repeat an email there (its Message-ID carries the key, for mail systems that deduplicate).
A channel may also have `close()`, called when its batch is done (Email closes the
connection it kept open for the batch).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.module_loading import import_string

from scheduling.models import SentSms
from scheduling.reminders import mail


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    key: str
    # Files for an email (the appointment's .ics); an SMS has nowhere to put them.
    attachments: tuple[Attachment, ...] = ()


class Channel(Protocol):
    def delivered(self, key: str) -> bool: ...

    def send(self, message: Outgoing) -> None: ...


class Email:
    """Email through Django's backend, over one connection for all the messages of a batch.

    With SMTP that is one connection and handshake (TLS, login) per batch instead of one per
    message. A send that fails drops the connection, so the next message starts on a new one.
    """

    def __init__(self) -> None:
        self._connection: BaseEmailBackend | None = None

    def delivered(self, key: str) -> bool:
        backend = settings.EMAIL_BACKEND
        if backend == "scheduling.reminders.mail.KeyedFileBackend":
            return mail.delivered_path(key).exists()
        return False

    def send(self, message: Outgoing) -> None:
        if not message.to:
            raise ChannelError("The patient has no email address.", permanent=True)
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={
                mail.KEY_HEADER: message.key,
                "Message-ID": f"<{message.key}@{settings.CLINIC_MAIL_DOMAIN}>",
            },
        )
        for attachment in message.attachments:
            email.attach(attachment.filename, attachment.content, attachment.mimetype)
        try:
            if self._connection is None:
                self._connection = get_connection(fail_silently=False)
                # Opened here, the backend keeps it open across send_messages() calls.
                self._connection.open()
            self._connection.send_messages([email])
        except SoftTimeLimitExceeded:
            # The task's time is up, which says nothing of the mail server: no failed attempt,
            # the batch stops here and this row is tried again once its lease runs out.
            self.close()
            raise
        except Exception as exc:  # smtplib, socket and backend errors: try again later
            self.close()
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        connection, self._connection = self._connection, None
        # A broken connection has nothing left to close: its error does not matter.
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


class StoredSms:
    """Development SMS: messages land in a table an operator can read in the admin."""

    def delivered(self, key: str) -> bool:
        return SentSms.objects.filter(idempotency_key=key).exists()

    def send(self, message: Outgoing) -> None:
        if not message.to:
            raise ChannelError("The patient has no phone number.", permanent=True)
        if settings.SMS_DEV_DELAY_SECONDS:
            time.sleep(settings.SMS_DEV_DELAY_SECONDS)
        SentSms.objects.create(idempotency_key=message.key, to=message.to, body=message.body)


def close_channels(channels: Iterable[Channel]) -> None:
    """Close what a batch opened; a provider class without close() has nothing to close."""
    for channel in channels:
        close = getattr(channel, "close", None)
        if close is not None:
            close()


def channel_for(name: str) -> Channel:
    if name == "sms":
        return import_string(settings.SMS_BACKEND)()
    return Email()
