"""iCalendar text for a provider's feed and for the patient's own .ics, from the same cases.

Both name a case by one UID (`appointment-<id>@<ICAL_UID_DOMAIN>`) and its SEQUENCE, so a
calendar that holds the event takes a later version of it (a move, a cancel) as a
replacement, not as a second event. Times are written in UTC: every calendar app converts
them to its own zone, and no VTIMEZONE has to be kept in step with the rules of DST.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from icalendar import Calendar, Event, vDuration

from clinic.models import Provider
from scheduling.models import Appointment, Status

# How often a subscribed calendar should fetch the feed again. Google ignores both hints
# (it refreshes every few hours); Apple reads REFRESH-INTERVAL, Outlook X-PUBLISHED-TTL.
REFRESH = dt.timedelta(minutes=15)
# The stable part of every UID. A deployment sets its own domain; ".invalid" can never be
# anyone's real domain, so a UID cannot clash with another organiser's events.
DEFAULT_UID_DOMAIN = "painclinic.invalid"

# A case's status as the provider's calendar shows it. A cancelled case is CANCELLED, so
# subscribed calendars drop it. A no-show stays CONFIRMED with a note: the provider's time
# was held and spent waiting, and the calendar is their record of the day; a CANCELLED
# past event would vanish from it and make that day look free.
_NOTES = {
    Status.SCHEDULED: "Scheduled.",
    Status.CHECKED_IN: "Checked in.",
    Status.COMPLETED: "Completed.",
    Status.CANCELLED: "Cancelled.",
    Status.NO_SHOW: "No-show: the patient did not come.",
}


def uid_for(appointment_id: int) -> str:
    domain = getattr(settings, "ICAL_UID_DOMAIN", "") or DEFAULT_UID_DOMAIN
    return f"appointment-{appointment_id}@{domain}"


def initials(first_name: str, last_name: str) -> str:
    """The first letter of each name given, as in "A.M." for "Ann Marie" "Moore"."""
    letters = [name.strip()[0].upper() for name in (first_name, last_name) if name.strip()]
    return "".join(f"{letter}." for letter in letters)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _calendar(*, method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _event(case: Appointment, *, summary: str, location: str) -> Event:
    event = Event()
    event.add("uid", uid_for(case.pk))
    event.add("sequence", case.sequence)
    # The row's last change stands for both: a fetch of an unchanged case gives the same
    # text, so a calendar has nothing to update.
    event.add("dtstamp", _utc(case.updated_at))
    event.add("last-modified", _utc(case.updated_at))
    event.add("dtstart", _utc(case.start))
    event.add("dtend", _utc(case.end))
    event.add("summary", summary)
    event.add("location", location)
    return event


def provider_feed(provider: Provider, cases: Iterable[Appointment]) -> bytes:
    """The provider's subscribed calendar: one event per case, cancelled ones included.

    Each case needs its patient's first and last names, its procedure's name and its room's
    name loaded. Nothing else about the patient goes in: the title reads "A.M. · Medial
    branch block (diagnostic)", and a phone's lock screen or a shared calendar may show it.
    """
    calendar = _calendar(method="PUBLISH")
    domain = getattr(settings, "ICAL_UID_DOMAIN", "") or DEFAULT_UID_DOMAIN
    calendar.add("uid", f"provider-{provider.pk}-calendar@{domain}")
    name = f"{provider.name} · {settings.CLINIC_NAME}"
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    # The zone the clinic works in, for apps that show a new subscription in it; the times
    # themselves are in UTC.
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for case in cases:
        patient = case.patient
        event = _event(
            case,
            summary=f"{initials(patient.first_name, patient.last_name)} · "
            f"{case.procedure_type.name}",
            location=case.room.name,
        )
        cancelled = case.status == Status.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        event.add("description", _NOTES.get(Status(case.status), ""))
        calendar.add_component(event)
    return calendar.to_ical()


def patient_event(case: Appointment) -> bytes:
    """The patient's own case as an .ics: one event, the same UID and SEQUENCE as the feed's.

    It goes in the patient's own email, so it names the procedure and the clinic. Needs the
    case's procedure and room names loaded.
    """
    calendar = _calendar(method="PUBLISH")
    clinic = settings.CLINIC_NAME
    event = _event(
        case,
        summary=f"{case.procedure_type.name} · {clinic}",
        location=f"{case.room.name}, {clinic}",
    )
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    return calendar.to_ical()
