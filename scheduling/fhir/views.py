"""FHIR read and search: Patient, Practitioner, Location (rooms), Schedule, Slot, Appointment.

Searches read a page with two queries (the count and the rows, related rows joined), so a
page of 100 costs what a page of 5 does. Responses that show patients (Patient,
Appointment) are noted for the read audit, one event per request naming them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.errors import DomainError
from clinic.models import Provider, Room
from clinic.read_audit import shown
from clinic.selectors import patient_search
from procedures.models import ProcedureType
from scheduling import selectors
from scheduling.fhir import resources
from scheduling.fhir.base import FhirView, SearchView, page_of, row_or_404
from scheduling.fhir.bundles import searchset
from scheduling.fhir.errors import BadParameter, NotFound
from scheduling.fhir.search import (
    ID,
    STRING_MODIFIERS,
    Param,
    Search,
    date_condition,
    dates,
    identifier_condition,
    reference_condition,
    reference_id,
    string_condition,
    token,
)
from scheduling.models import Appointment
from scheduling.slots import SlotQuery, find_slots

# --- Patient ------------------------------------------------------------------------------------


def _patients() -> QuerySet[Any]:
    return patient_search()


class PatientRead(FhirView):
    def get(self, request: Request, id: str) -> Response:
        row = row_or_404(_patients(), "Patient", id)
        shown(request, [row])
        return Response(resources.patient(row))


class PatientSearch(SearchView):
    resource_type = "Patient"
    search_params = (
        ID,
        Param("identifier", "token", f"The MRN, as `{resources.MRN_SYSTEM}|<mrn>` or bare."),
        Param("name", "string", "The start of the first or last name.", modifiers=STRING_MODIFIERS),
        Param("birthdate", "date", "The birth date, with eq, ge, gt, le or lt."),
    )

    def get(self, request: Request) -> Response:
        search = self.search(request)
        rows, total = page_of(
            _patients().filter(
                search.ids(),
                identifier_condition(search, "identifier", resources.MRN_SYSTEM, "mrn"),
                string_condition(search, "name", ["first_name", "last_name"]),
                date_condition(search, "birthdate", "birth_date", as_dates=True),
            ),
            search,
        )
        shown(request, rows)
        return Response(searchset(request, search, [resources.patient(r) for r in rows], total))


# --- Practitioner and Schedule (one per provider) ----------------------------------------------


def _providers() -> QuerySet[Provider]:
    return Provider.objects.order_by("name", "pk")


def _word_start(search: Search, name: str, field: str) -> Q:
    """A provider's one-string name ("Dr. Ana Chen"): the start of any of its words."""

    def condition(text: str, modifier: str) -> Q:
        if modifier == "exact":
            return Q(**{f"{field}__exact": text})
        if modifier == "contains":
            return Q(**{f"{field}__icontains": text})
        return Q(**{f"{field}__istartswith": text}) | Q(**{f"{field}__icontains": f" {text}"})

    return search.matching(name, condition)


class PractitionerRead(FhirView):
    def get(self, request: Request, id: str) -> Response:
        return Response(resources.practitioner(row_or_404(_providers(), "Practitioner", id)))


class PractitionerSearch(SearchView):
    resource_type = "Practitioner"
    search_params = (
        ID,
        Param("identifier", "token", f"The NPI, as `{resources.NPI_SYSTEM}|<npi>` or bare."),
        Param("name", "string", "The start of any word of the name.", modifiers=STRING_MODIFIERS),
    )

    def get(self, request: Request) -> Response:
        search = self.search(request)
        rows, total = page_of(
            _providers().filter(
                search.ids(),
                identifier_condition(search, "identifier", resources.NPI_SYSTEM, "npi"),
                _word_start(search, "name", "name"),
            ),
            search,
        )
        found = [resources.practitioner(r) for r in rows]
        return Response(searchset(request, search, found, total))


class ScheduleRead(FhirView):
    def get(self, request: Request, id: str) -> Response:
        return Response(resources.schedule(row_or_404(_providers(), "Schedule", id)))


class ScheduleSearch(SearchView):
    resource_type = "Schedule"
    documentation = (
        "One schedule per provider, with the provider's id; its free times are Slots. "
        "Bookable up to the booking horizon."
    )
    search_params = (ID, Param("actor", "reference", "The provider: Practitioner/<id>."))

    def get(self, request: Request) -> Response:
        search = self.search(request)
        rows, total = page_of(
            _providers().filter(
                search.ids(), reference_condition(search, "actor", "Practitioner", "pk")
            ),
            search,
        )
        now = timezone.now()
        found = [resources.schedule(r, now=now) for r in rows]
        return Response(searchset(request, search, found, total))


# --- Location (rooms) ---------------------------------------------------------------------------


def _rooms() -> QuerySet[Room]:
    return Room.objects.select_related("site").order_by("site__name", "name", "pk")


class LocationRead(FhirView):
    def get(self, request: Request, id: str) -> Response:
        return Response(resources.location(row_or_404(_rooms(), "Location", id)))


class LocationSearch(SearchView):
    resource_type = "Location"
    documentation = "The clinic's rooms: fluoroscopy suites and exam rooms."
    search_params = (
        ID,
        Param("name", "string", "The start of the room's name.", modifiers=STRING_MODIFIERS),
    )

    def get(self, request: Request) -> Response:
        search = self.search(request)
        rows, total = page_of(
            _rooms().filter(search.ids(), string_condition(search, "name", ["name"])), search
        )
        return Response(searchset(request, search, [resources.location(r) for r in rows], total))


# --- Appointment --------------------------------------------------------------------------------

# Every code of FHIR's appointment status value set, from the model library itself: a valid
# code we never use (`proposed`) matches nothing, anything else is a mistake worth a 400.
_STATUS_FIELD = FhirAppointment.model_fields["status"].json_schema_extra
assert isinstance(_STATUS_FIELD, dict), "fhir.resources lists a code field's values"
FHIR_STATUSES = frozenset(str(code) for code in _STATUS_FIELD["enum_values"])  # type: ignore[union-attr]


def _appointments() -> QuerySet[Appointment]:
    # The API's list with its joins; a FHIR Appointment shows no holds, so they are not read.
    return selectors.appointment_list().prefetch_related(None)


def _status(text: str, _: str) -> Q:
    _system, code = token(text)
    if code not in FHIR_STATUSES:
        raise BadParameter("status", f"{code!r} is not an appointment status.")
    ours = resources.STATUS_FROM_FHIR.get(code)
    return Q(status=ours) if ours else Q(pk__in=[])


class AppointmentRead(FhirView):
    def get(self, request: Request, id: str) -> Response:
        row = row_or_404(_appointments(), "Appointment", id)
        shown(request, [row.patient_id])
        return Response(resources.appointment(row))


class AppointmentSearch(SearchView):
    resource_type = "Appointment"
    documentation = (
        "Cases. Status: scheduled is booked, checked in is checked-in, completed is "
        "fulfilled, cancelled is cancelled (with the reason), no-show is noshow."
    )
    search_params = (
        ID,
        Param("date", "date", "The start; repeat for a range (date=ge...&date=lt...)."),
        Param("practitioner", "reference", "The provider: Practitioner/<id>."),
        Param("patient", "reference", "The patient: Patient/<id>."),
        Param("location", "reference", "The room: Location/<id>."),
        Param("status", "token", "FHIR appointment status codes; a comma lists several."),
    )

    def get(self, request: Request) -> Response:
        search = self.search(request)
        rows, total = page_of(
            _appointments().filter(
                search.ids(),
                date_condition(search, "date", "start"),
                reference_condition(search, "practitioner", "Practitioner", "provider_id"),
                reference_condition(search, "patient", "Patient", "patient_id"),
                reference_condition(search, "location", "Location", "room_id"),
                search.matching("status", _status),
            ),
            search,
        )
        shown(request, [row.patient_id for row in rows])
        found = [resources.appointment(r) for r in rows]
        return Response(searchset(request, search, found, total))


# --- Slot ---------------------------------------------------------------------------------------

SLOT_DEFAULT_DAYS = 7
SLOT_MAX_DAYS = 31


def shortest_procedure() -> ProcedureType:
    """The procedure a slot search assumes without `service-type`: the catalog's shortest
    active one, so a free slot is time that any case of that length fits."""
    procedure = ProcedureType.objects.filter(active=True).order_by("duration_minutes", "code")
    found = procedure.first()
    if found is None:
        raise NotFound("The catalog has no active procedure to look for free time for.")
    return found


def _slot_procedure(search: Search) -> ProcedureType:
    repeats = search.repeats("service-type")
    if not repeats:
        return shortest_procedure()
    codes = [token(value) for _, values in repeats for value in values]
    if len(codes) != 1:
        raise BadParameter("service-type", "give one procedure code.")
    system, code = codes[0]
    if system not in (None, resources.PROCEDURE_SYSTEM):
        raise BadParameter("service-type", f"codes of {resources.PROCEDURE_SYSTEM} only.")
    procedure = ProcedureType.objects.filter(active=True, code__iexact=code).first()
    if procedure is None:
        raise BadParameter("service-type", f"no active procedure has the code {code!r}.")
    return procedure


def _slot_provider(search: Search) -> Provider:
    values = [value for _, values in search.repeats("schedule") for value in values]
    if len(values) != 1:
        raise BadParameter("schedule", "required, once: the provider's Schedule/<id>.")
    provider = Provider.objects.filter(pk=reference_id("schedule", values[0], "Schedule")).first()
    if provider is None:
        raise BadParameter("schedule", f"there is no {values[0]}.")
    return provider


def slot_window(search: Search, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The moments between which slots may start: `start=ge...` to `start=lt...`, from now
    and for a week when not given, for at most a month."""
    bounds = dates(search, "start")
    earliest = [value.earliest for value in bounds if value.earliest is not None]
    latest = [value.latest for value in bounds if value.latest is not None]
    begin = max([now, *earliest])
    end = min(latest) if latest else begin + dt.timedelta(days=SLOT_DEFAULT_DAYS)
    if end - begin > dt.timedelta(days=SLOT_MAX_DAYS):
        raise BadParameter("start", f"a search covers at most {SLOT_MAX_DAYS} days.")
    return begin, end


def slots_between(
    procedure: ProcedureType, provider: Provider, begin: dt.datetime, end: dt.datetime
) -> list[Any]:
    """Every free slot of the provider starting in [begin, end), from the slot search."""
    if end <= begin:
        return []
    days = -(-(end - begin) // dt.timedelta(days=1))
    # One slot per grid start for one provider: this limit can never cut the window short,
    # so the bundle's total is every free slot in it.
    per_day = 24 * 60 // settings.SLOT_GRID_MINUTES + 1
    query = SlotQuery(
        procedure_type=procedure, after=begin, limit=days * per_day, days=days, provider=provider
    )
    return [slot for slot in find_slots(query) if slot.start < end]


class SlotRead(FhirView):
    """A slot by its id (provider, room, procedure, start): still free now, or 404."""

    def get(self, request: Request, id: str) -> Response:
        parts = id.split("-")
        if len(parts) != 4 or not all(part.isdigit() and len(part) <= 12 for part in parts):
            raise NotFound(f"There is no Slot with id {id!r}.")
        provider_id, room_id, procedure_id, epoch = (int(part) for part in parts)
        try:
            start = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise NotFound(f"There is no Slot with id {id!r}.") from exc
        provider = Provider.objects.filter(pk=provider_id).first()
        room = _rooms().filter(pk=room_id).first()
        procedure = ProcedureType.objects.filter(pk=procedure_id).first()
        if provider is None or room is None or procedure is None:
            raise NotFound(f"There is no Slot with id {id!r}.")
        query = SlotQuery(
            procedure_type=procedure, after=start, limit=1, days=1, provider=provider, room=room
        )
        try:
            found = find_slots(query)
        except DomainError:  # the room can no longer host the procedure
            found = []
        if not found or found[0].start != start:
            raise NotFound(f"Slot {id} is no longer free.")
        return Response(resources.slot(found[0], procedure))


class SlotSearch(SearchView):
    resource_type = "Slot"
    documentation = (
        "Free time of one provider's schedule, from the same slot search as booking: working "
        "hours, a room fit for the procedure free (turnover included), the shared equipment "
        "it needs free. With service-type, slots for that procedure; without, for the "
        "catalog's shortest active procedure, so a slot is free time that any case of that "
        f"length fits. Up to {SLOT_MAX_DAYS} days a search; a week from now by default."
    )
    search_params = (
        Param("schedule", "reference", "Required: the provider's Schedule/<id>."),
        Param("start", "date", "When slots start: start=ge... and start=lt... bound the search."),
        Param("service-type", "token", "A procedure code of our catalog (MBB, RFA, ...)."),
    )

    def get(self, request: Request) -> Response:
        search = self.search(request)
        provider = _slot_provider(search)
        procedure = _slot_procedure(search)
        begin, end = slot_window(search, timezone.now())
        slots = slots_between(procedure, provider, begin, end)
        page = slots[search.offset : search.offset + search.count]
        found = [resources.slot(slot, procedure) for slot in page]
        return Response(searchset(request, search, found, len(slots)))


SEARCHES: tuple[type[SearchView], ...] = (
    PatientSearch,
    PractitionerSearch,
    LocationSearch,
    ScheduleSearch,
    SlotSearch,
    AppointmentSearch,
)


class UnknownPath(FhirView):
    """Any other path under /fhir/R4/: a 404 OperationOutcome (after the access check),
    rather than the site's HTML page."""

    def get(self, request: Request, path: str) -> Response:
        served = ", ".join(view.resource_type for view in SEARCHES)
        raise NotFound(f"Nothing is served at {path!r}. Resources: {served}; see metadata.")
