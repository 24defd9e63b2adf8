"""The words of an offer. As with reminders, the SMS names no procedure and the email's
subject names neither the procedure nor a drug: lock screens and inbox lists are not
private."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from scheduling.models import WaitlistMatch


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%A %d %B at %H:%M")


def _reply_by(reply_by: dt.datetime) -> str:
    local = timezone.localtime(reply_by)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M} today"
    return f"{local:%H:%M} on {local:%A %d %B}"


def subject() -> str:
    return f"A message from {settings.CLINIC_NAME}: an earlier appointment is free"


def email_body(match: WaitlistMatch, reply_by: dt.datetime) -> str:
    entry, freed = match.entry, match.freed_slot
    return "\n".join(
        [
            f"Dear {entry.patient.first_name},",
            "",
            f"You are on our waiting list for your {entry.procedure_type.name.lower()}. "
            f"An earlier time is free: {_when(freed.start)} with {freed.provider.name}.",
            f"If you would like it, please call us by {_reply_by(reply_by)}. After that we "
            "offer it to the next patient on the list, and you keep your place on it.",
            "",
            settings.CLINIC_NAME,
        ]
    )


def sms_body(match: WaitlistMatch, reply_by: dt.datetime) -> str:
    first = match.entry.patient.first_name
    when = timezone.localtime(match.freed_slot.start).strftime("%d %b %H:%M")
    return (
        f"{first}, {settings.CLINIC_NAME}: an earlier appointment is free on {when}. "
        f"Call us by {_reply_by(reply_by)} to take it."
    )
