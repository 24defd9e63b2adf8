"""Who looked at this patient: the latest `read` audit events naming them, in plain words.

For managers, on the patient page. An event records the view's name (`read.<view name>`) and
the path; here they become "Patient page", "API: patient's medications" or "Admin: list of
appointments", with the path kept beside the words for whoever needs the detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from clinic.audit_selectors import reads_of_patient
from clinic.models import AuditEvent

SHOWN = 20

# The pages (scheduling/urls.py) by URL name. A refused action re-shows its case page.
PAGES = {
    "patient": "Patient page",
    "patients": "Patient search",
    "desk": "Desk",
    "station": "Station worklist",
    "station-print": "Station day sheet (print)",
    "calendar": "Calendar",
    "appointment": "Case page",
    "case-checklist-item": "Case page, checklist",
    "case-check-in": "Case page, check-in",
    "case-outcome": "Case page, outcome",
    "case-follow-up": "Case page, follow-up",
    "case-cancel": "Cancelling a case",
    "case-reschedule": "Rescheduling a case",
    "book": "Booking",
    "book-confirm": "Booking, confirmation",
    "book-why": "Booking, why not this time",
    "dashboard": "Dashboard",
    "dashboard-stuck": "Dashboard, patients stuck in a pathway",
    "dashboard-export": "Dashboard, CSV export",
}

# The API's endpoints by URL name; others are named from their URL name.
API = {
    "patient-list": "list of patients",
    "patient-detail": "patient record",
    "patient-history": "procedure history",
    "patient-history-entry": "a procedure history entry",
    "patient-psych-evaluations": "psychological evaluations",
    "patient-medications": "medications",
    "patient-medication-detail": "a medication",
    "patient-authorizations": "prior authorizations",
    "patient-eligibility": "eligibility check",
    "patient-pathways": "pathway status",
    "authorization-list": "list of prior authorizations",
    "authorization-detail": "a prior authorization",
    "appointment-list": "list of cases",
    "appointment-detail": "a case",
    "appointment-checklist": "a case's checklist",
    "appointment-checklist-item": "a checklist item",
    "appointment-reminders": "a case's reminders",
    "reminder-list": "list of reminders",
    "worklist": "worklist",
}

ADMIN_VIEWS = {
    "change": "{one} record",
    "changelist": "list of {many}",
    "history": "history of a {one} record",
}


@dataclass(frozen=True)
class Read:
    who: str
    at: dt.datetime
    what: str  # in words
    path: str
    ip: str


@dataclass(frozen=True)
class WhoLooked:
    total: int
    reads: list[Read]

    @property
    def more(self) -> int:
        return self.total - len(self.reads)


def _admin_words(view: str) -> str | None:
    """ "clinic_patient_changelist" -> "Admin: list of patients"."""
    app_label, _, rest = view.partition("_")
    model_name, _, kind = rest.rpartition("_")
    if kind not in ADMIN_VIEWS:
        return None
    try:
        meta = apps.get_model(app_label, model_name)._meta
    except (LookupError, ImproperlyConfigured):
        return None
    words = ADMIN_VIEWS[kind].format(one=meta.verbose_name, many=meta.verbose_name_plural)
    return f"Admin: {words}"


def where_words(event: AuditEvent) -> str:
    """What was looked at, in words: the page, the API endpoint or the admin view."""
    name = event.action.removeprefix("read.")
    if name.startswith("admin:"):
        return _admin_words(name.removeprefix("admin:")) or "Admin"
    if event.object_id.startswith("/api/"):
        return "API: " + API.get(name, name.replace("-", " "))
    return PAGES.get(name, event.object_id or name)


def who_looked(patient_id: int, *, limit: int = SHOWN) -> WhoLooked:
    """The latest reads naming the patient, newest first, and how many there are: two
    queries (the GIN index on PostgreSQL)."""
    events = reads_of_patient(patient_id)
    latest = list(events[:limit])
    total = len(latest) if len(latest) < limit else events.count()
    return WhoLooked(
        total=total,
        reads=[
            Read(
                who=event.actor_username or "unknown",
                at=timezone.localtime(event.at),
                what=where_words(event),
                path=event.object_id,
                ip=event.ip or "",
            )
            for event in latest
        ],
    )
