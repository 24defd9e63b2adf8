"""Read-side queries over people and places, shared by the API, the pages and the dashboard."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Q, QuerySet

from clinic.models import AuditEvent, Patient, Provider, Room

# Birth dates as the clinic writes them (03/02/1970) or as ISO dates (1970-03-02).
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def typed_date(text: str) -> dt.date | None:
    """A date typed as MM/DD/YYYY or YYYY-MM-DD, or None when the text is not one."""
    if match := _US_DATE.fullmatch(text):
        month, day, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _named(last: str, first: str) -> Q:
    return Q(last_name__istartswith=last) & Q(first_name__istartswith=first)


def _matching(query: str) -> Q:
    """Exact MRN, or a birth date, or the start of a last name, a first name or both.

    Every branch is a condition an index serves (migration 0005): `istartswith` and `iexact`
    over the names and the MRN, equality on the birth date. No `icontains`: a search that
    cannot use an index reads every patient.
    """
    found = Q(mrn__iexact=query)
    if (day := typed_date(query)) is not None:
        return found | Q(birth_date=day)
    if "," in query:  # "Lee, Ann"
        last, _, first = (part.strip() for part in query.partition(","))
        if last and first:
            return found | _named(last, first)
        if last:
            return found | Q(last_name__istartswith=last)
        if first:
            return found | Q(first_name__istartswith=first)
        return found
    if " " in query:  # "Ann Lee", "Lee Ann", or a last name with a space ("De la Cruz")
        first, _, last = query.partition(" ")
        return found | Q(last_name__istartswith=query) | _named(last, first) | _named(first, last)
    return found | Q(last_name__istartswith=query) | Q(first_name__istartswith=query)


def patient_search(query: str = "") -> QuerySet[Patient]:
    """Patients whose MRN, birth date or name start matches; every patient for no query."""
    patients = Patient.objects.select_related("payer")
    # No stored name or MRN holds a NUL (the API refuses them), and PostgreSQL refuses a
    # query that contains one: drop it rather than fail the search.
    query = " ".join(query.replace("\x00", "").split())
    if query:
        patients = patients.filter(_matching(query))
    return patients


def patients_recently_changed() -> QuerySet[Patient]:
    """Newest registrations and corrections first (served by the (updated_at, id) index)."""
    return Patient.objects.select_related("payer").order_by("-updated_at", "-id")


def providers_active() -> QuerySet[Provider]:
    return Provider.objects.filter(active=True)


def rooms_active() -> QuerySet[Room]:
    return Room.objects.filter(active=True).select_related("site")


def audit_trail(instance_label: str, object_id: object) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=instance_label, object_id=str(object_id))
