"""Plain-language reminder texts, one per kind.

Email carries the details (procedure, drug names, times). SMS carries no more personal
data than the first name, the clinic and a date: a phone screen is not private.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from scheduling.models import Appointment, Reminder, ReminderKind


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%A %d %B %Y at %H:%M")


def _day(value: str | dt.date) -> str:
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%A %d %B %Y")


def subject(reminder: Reminder) -> str:
    return f"{settings.CLINIC_NAME}: {ReminderKind(reminder.kind).label.lower()}"


def email_body(reminder: Reminder, appointment: Appointment) -> str:
    patient = appointment.patient
    procedure = appointment.procedure_type.name.lower()
    when = _when(appointment.start)
    note = reminder.context.get("note", "")
    lines = [f"Dear {patient.first_name},", ""]
    match reminder.kind:
        case ReminderKind.APPOINTMENT:
            lines.append(
                f"This is a reminder of your {procedure} on {when} with "
                f"{appointment.provider.name} ({appointment.room.name})."
            )
            lines.append(
                "If you cannot come, please call us so we can offer the time to someone else."
            )
        case ReminderKind.ANTICOAGULANT_STOP:
            drug = reminder.context.get("drug", "your blood thinner")
            lines.append(
                f"Your last dose of {drug} before your "
                f"procedure on {when} is today, {_day(reminder.context['last_dose_on'])}. "
                f"Do not take it from {_day(reminder.context['first_day_without'])} on."
            )
            lines.append("Your prescriber approved this pause. Call us if you have any doubt.")
        case ReminderKind.ANTICOAGULANT_RESTART:
            lines.append(
                f"You may take {reminder.context.get('drug', 'your blood thinner')} again from "
                f"{_when(reminder.due_at)}, unless we told you otherwise after your procedure."
            )
        case ReminderKind.PAIN_DIARY:
            lines.append(
                f"Please fill in your pain diary for the hours since your {procedure} today: "
                "how much of your usual pain was left."
            )
        case ReminderKind.TRIAL_END:
            lines.append(
                "Your spinal cord stimulator trial ends now: please come for lead removal and "
                "the evaluation of how much it helped."
            )
        case _:
            lines.append(f"It is time for the follow-up of your {procedure} of {when}.")
            lines.append("Please call us to book it if you have not done so.")
    if note:
        lines.append(note)
    lines += ["", settings.CLINIC_NAME]
    return "\n".join(lines)


def sms_body(reminder: Reminder, appointment: Appointment) -> str:
    first = appointment.patient.first_name
    clinic = settings.CLINIC_NAME
    day = timezone.localtime(appointment.start).strftime("%d %b %H:%M")
    match reminder.kind:
        case ReminderKind.APPOINTMENT:
            text = f"your appointment is on {day}."
        case ReminderKind.ANTICOAGULANT_STOP:
            text = f"today is the last day of the medicine you were asked to pause before {day}."
        case ReminderKind.ANTICOAGULANT_RESTART:
            text = "you may restart the medicine you paused, as we discussed."
        case ReminderKind.PAIN_DIARY:
            text = "please fill in your pain diary today."
        case ReminderKind.TRIAL_END:
            text = "your trial ends today; please come in as planned."
        case _:
            text = "it is time for your follow-up; please call us."
    return f"{first}, {clinic}: {text}"
