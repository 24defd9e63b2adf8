"""Plain-language reminder texts, one per kind.

Email carries the details (procedure, drug names, times) in its body; its subject names no
drug and no procedure. SMS carries no more personal data than the first name, the clinic and
a date: a phone screen is not private.
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


# Subjects show in inbox lists, phone notifications and mail logs that others may see: they
# name the clinic and no drug, no procedure (the body carries those).
_ABOUT_APPOINTMENT = "A message from {clinic} about your appointment"
_SUBJECTS = {
    ReminderKind.APPOINTMENT: _ABOUT_APPOINTMENT,
    ReminderKind.ANTICOAGULANT_STOP: (
        "A message from {clinic}: a medication instruction before your appointment"
    ),
    ReminderKind.ANTICOAGULANT_RESTART: (
        "A message from {clinic}: a medication instruction after your appointment"
    ),
    ReminderKind.PAIN_DIARY: "A message from {clinic}: a request after your appointment",
    ReminderKind.FOLLOW_UP: "A message from {clinic}: time to book your follow-up appointment",
    ReminderKind.RELIEF_FOLLOW_UP: "A message from {clinic}: a question after your appointment",
    ReminderKind.TRIAL_END: "A message from {clinic}: please come in as planned",
}


def subject(reminder: Reminder) -> str:
    template = _SUBJECTS.get(ReminderKind(reminder.kind), _ABOUT_APPOINTMENT)
    return template.format(clinic=settings.CLINIC_NAME)


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
        case ReminderKind.RELIEF_FOLLOW_UP:
            lines.append(
                f"It is time to tell us how much your {procedure} of {when} still helps: "
                "how much of your usual pain is left today."
            )
            lines.append("Please call us, or tell us at your follow-up visit.")
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
        case ReminderKind.RELIEF_FOLLOW_UP:
            text = "please tell us how much of your usual pain is left today; call us."
        case ReminderKind.TRIAL_END:
            text = "your trial ends today; please come in as planned."
        case _:
            text = "it is time for your follow-up; please call us."
    return f"{first}, {clinic}: {text}"
