"""Find a slot and book: eligibility first, then slots by day, then a confirmation.

`/book/?patient=<id>` searches (a GET form: links, bookmarks and the back button work, and
htmx only swaps the results); `/book/confirm/` shows what booking would create and books
on POST; `/book/why/` (booking_why.py) says what stops a time of the scheduler's choosing.
The rules, the calendar and the booking are the services' and selectors': a refusal is
shown in the service's own sentence, in the form, with the search offered again.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from clinic.errors import DomainError
from clinic.models import Patient
from clinic.permissions import SCHEDULING
from clinic.read_audit import shown
from clinic.selectors import providers_active
from procedures.rules import Decision, Refusal
from scheduling import services
from scheduling.eligibility import PatientRules
from scheduling.explain import Explanation, explain
from scheduling.pages.booking_forms import (
    MOST_SLOTS,
    Case,
    ConfirmForm,
    SearchForm,
    parse_moment,
)
from scheduling.pages.booking_support import patient_from, pick_patient
from scheduling.pages.booking_why import book_why
from scheduling.pages.common import acting_user, page_context, render_page, role_required
from scheduling.pages.waitlist import waitlist_url
from scheduling.preview import preview_booking
from scheduling.slots import Slot, SlotQuery, candidate_rooms, find_slots
from scheduling.waitlist import selectors as waitlist_selectors

SEARCH_DAYS = 30  # how far one search looks ahead of its first day


def book_url(case: Case, **extra: object) -> str:
    return f"{reverse('book')}?{case.query(**extra)}"


def confirm_url(
    case: Case, *, provider_id: int, room_id: int, start: dt.datetime, back: str | None = None
) -> str:
    """The confirmation of one slot; `back` is the search it came from (a query string), to
    return to, and to offer again when the booking is refused."""
    query = case.query(provider=provider_id, room=room_id, start=start.isoformat(), back=back)
    return f"{reverse('book-confirm')}?{query}"


def why_url(case: Case, **extra: object) -> str:
    return f"{reverse('book-why')}?{case.query(**extra)}"


@dataclass(frozen=True)
class DaySlots:
    day: dt.date
    slots: list[tuple[Slot, str]]  # each slot with the link to its confirmation


@dataclass(frozen=True)
class Pick:
    """The time the calendar linked here with, and what the explainer says of it."""

    explanation: Explanation
    book_url: str | None


def _by_day(case: Case, slots: list[Slot], back: str) -> list[DaySlots]:
    days = []
    for day, group in itertools.groupby(slots, key=lambda s: timezone.localdate(s.start)):
        links = [
            (
                s,
                confirm_url(
                    case, provider_id=s.provider.pk, room_id=s.room.pk, start=s.start, back=back
                ),
            )
            for s in group
        ]
        days.append(DaySlots(day, links))
    return days


def _pick(case: Case, start: dt.datetime, back: str) -> Pick | None:
    providers = [case.provider] if case.provider else list(providers_active())
    rooms = [case.room] if case.room else candidate_rooms(case.procedure_type, None)
    if not providers or not rooms:
        return None
    found = explain(
        patient=case.patient,
        procedure_type=case.procedure_type,
        region=case.region,
        side=case.side,
        start=start,
        providers=providers,
        rooms=rooms,
        levels=case.levels,
    )
    provider, room = found.free_provider, found.free_room
    url = None
    if found.allowed and provider is not None and room is not None:
        url = confirm_url(
            case, provider_id=provider.pk, room_id=room.pk, start=found.start, back=back
        )
    return Pick(found, url)


def _results(patient: Patient, form: SearchForm) -> dict[str, Any]:
    """Eligibility on the first day, then (only when allowed) the slots, grouped by day."""
    if not form.is_bound or not form.is_valid():
        return {"searched": False}
    case = form.case(patient)
    day = form.from_day()
    rules = PatientRules.load(patient)
    decision = rules.decide(case.procedure_type, case.region, case.side, day, case.levels)
    context: dict[str, Any] = {
        "searched": True,
        "case": case,
        "from_day": day,
        "decision": decision,
        "why_url": why_url(case, date=day.isoformat()),
    }
    start = form.cleaned_data.get("start")
    limit = form.limit_value()
    # This search as it stands, for the confirmation's way back.
    back = case.query(**{"from": day, "start": start.isoformat() if start else None})
    if start is not None:
        context["pick"] = _pick(case, start, back)
    # Refused only for the day's early starts (hours counted from now): its later slots are
    # the answer, and the search offers only those.
    from_a_time = decision.eligible_from == day and decision.eligible_at is not None
    context["from_a_time"] = from_a_time
    if not decision.allowed and not from_a_time:
        if decision.eligible_from is not None:
            context["search_from_url"] = book_url(case, **{"from": decision.eligible_from})
        else:
            context["later"] = _later_blockers(rules, case, decision)
        return context
    try:
        slots = find_slots(
            SlotQuery(
                procedure_type=case.procedure_type,
                after=form.after(),
                limit=limit,
                days=SEARCH_DAYS,
                patient=patient,
                region=case.region,
                side=case.side,
                levels=case.levels,
                provider=case.provider,
                room=case.room,
            ),
            rules=rules,
        )
    except DomainError as refusal:  # a room chosen that cannot host the procedure
        form.add_error("room", refusal.detail)
        return {"searched": False}
    last_day = timezone.localdate(slots[-1].start) if slots else day + dt.timedelta(SEARCH_DAYS)
    more = min(limit * 2, MOST_SLOTS)
    context.update(
        days=_by_day(case, slots, back),
        slot_count=len(slots),
        more_url=(
            book_url(case, **{"from": day, "limit": more})
            if len(slots) >= limit and more > limit
            else None
        ),
        next_url=book_url(case, **{"from": last_day + dt.timedelta(days=1)}),
        next_from=last_day + dt.timedelta(days=1),
    )
    return context


@dataclass(frozen=True)
class LaterBlockers:
    day: dt.date
    decision: Decision


def _later_blockers(rules: PatientRules, case: Case, decision: Decision) -> LaterBlockers | None:
    """When every violation lifts on its own date yet the case is never allowed, the rules that
    take over after those dates (a relief to record, say): without them "waiting will not
    help" would contradict the dates just shown."""
    dates = [v.eligible_from for v in decision.violations]
    if not dates or any(d is None for d in dates):
        return None
    day = max(d for d in dates if d is not None)
    later = rules.decide(case.procedure_type, case.region, case.side, day, case.levels)
    return None if later.allowed else LaterBlockers(day, later)


def _initial(request: HttpRequest) -> dict[str, Any]:
    """An unsearched form takes what a link brought (the calendar's start, provider or room)."""
    keys = ("procedure_type", "region", "side", "provider", "room", "start", "from")
    initial: dict[str, Any] = {key: request.GET[key] for key in keys if request.GET.get(key)}
    start = parse_moment(initial.get("start", ""))
    if "from" not in initial:
        initial["from"] = timezone.localdate(start) if start else timezone.localdate()
    return initial


def _violations(refusal: DomainError | None) -> list[Refusal]:
    """A `not_eligible` refusal's violations, with their dates as dates again."""
    rows = (refusal.violations if refusal is not None else None) or []
    return [
        Refusal(
            str(row.get("code", "")),
            str(row.get("detail", "")),
            dt.date.fromisoformat(str(row["eligible_from"])) if row.get("eligible_from") else None,
            dt.date.fromisoformat(str(row["proof_due"])) if row.get("proof_due") else None,
            dt.datetime.fromisoformat(str(row["eligible_at"])) if row.get("eligible_at") else None,
        )
        for row in rows
    ]


def render_search(
    request: HttpRequest,
    patient: Patient,
    form: SearchForm,
    *,
    refusal: DomainError | None = None,
    notice: str = "",
) -> HttpResponse:
    shown(request, [patient])
    context = {
        "patient": patient,
        "form": form,
        "refusal": refusal,
        "refusal_violations": _violations(refusal),
        "notice": notice,
        "search_days": SEARCH_DAYS,
        "change_patient_url": reverse("book"),
        "waiting": waitlist_selectors.entries(patient=patient),
        **_results(patient, form),
    }
    if "case" in context:
        context["waitlist_url"] = waitlist_url(context["case"], context.get("from_day"))
    if refusal is not None and refusal.eligible_from is not None and "case" in context:
        context["refusal_search_url"] = book_url(context["case"], **{"from": refusal.eligible_from})
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        # Only the results change: the form stays as the scheduler left it.
        html = render_to_string(
            "scheduling/booking/results_swap.html",
            {**page_context(request), **context},
            request=request,
        )
        response = HttpResponse(html)
    else:
        response = render_page(request, "scheduling/booking/book.html", context)
    # The same URL answers a whole page or its results: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@role_required(SCHEDULING)
def book(request: HttpRequest) -> HttpResponse:
    patient = patient_from(request)
    if patient is None:
        return pick_patient(request, url_name="book", heading="Book a case: which patient?")
    searched = bool(request.GET.get("procedure_type"))
    form = SearchForm(request.GET if searched else None, initial=_initial(request))
    return render_search(request, patient, form)


def _back_url(patient: Patient, case: Case, start: dt.datetime, back: str) -> str:
    form = _search_again(patient, case, start, back)
    params = {key: value for key, value in form.data.items() if value}
    return f"{reverse('book')}?{urlencode(params)}"


def _search_again(patient: Patient, case: Case, start: dt.datetime, back: str) -> SearchForm:
    """The search a refused booking offers again: the one the slot came from, or else the
    same case from its day."""
    data = QueryDict(back, mutable=True) if back else QueryDict(mutable=True)
    if not data.get("procedure_type"):
        data.update(case.params(**{"from": timezone.localdate(start)}))
    data["patient"] = str(patient.pk)  # whatever the link said, the case's patient
    form = SearchForm(data)
    form.is_valid()
    return form


@role_required(SCHEDULING)
@require_http_methods(["GET", "POST"])
def book_confirm(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    patient = patient_from(request, data)
    if patient is None:
        return redirect("book")
    form = ConfirmForm(data)
    if not form.is_valid():
        return render_search(
            request,
            patient,
            SearchForm(data),
            notice="Choose a slot below: that link did not name a time, a provider and a room.",
        )
    case = form.case(patient)
    start: dt.datetime = form.cleaned_data["start"]
    back: str = form.cleaned_data.get("back") or ""
    assert case.provider is not None and case.room is not None  # required by ConfirmForm
    if request.method == "POST":
        try:
            appointment = services.appointment_book(
                patient=patient,
                procedure_type=case.procedure_type,
                region=case.region,
                side=case.side,
                provider=case.provider,
                room=case.room,
                start=start,
                sedation=case.sedation,
                levels=case.levels,
                acting_user=acting_user(request),
            )
        except DomainError as refusal:
            again = _search_again(patient, case, start, back)
            return render_search(request, patient, again, refusal=refusal)
        when = timezone.localtime(appointment.start)
        messages.success(
            request,
            f"Booked {case.procedure_type.name} for {patient.full_name} on "
            f"{when:%A %d %B %Y} at {when:%H:%M} with {case.provider.name} in {case.room.name}.",
        )
        return redirect("appointment", pk=appointment.pk)
    preview = preview_booking(
        patient=patient,
        procedure_type=case.procedure_type,
        region=case.region,
        side=case.side,
        provider=case.provider,
        room=case.room,
        start=start,
        sedation=case.sedation,
    )
    check = explain(
        patient=patient,
        procedure_type=case.procedure_type,
        region=case.region,
        side=case.side,
        start=start,
        providers=[case.provider],
        rooms=[case.room],
        levels=case.levels,
    )
    shown(request, [patient])
    return render_page(
        request,
        "scheduling/booking/confirm.html",
        {
            "patient": patient,
            "case": case,
            "preview": preview,
            "check": check,
            "start": start,
            "back_url": _back_url(patient, case, start, back),
            "hidden": case.params(start=start.isoformat(), back=back or None).items(),
            "change_patient_url": reverse("book"),
        },
    )


urlpatterns = [
    path("book/", book, name="book"),
    path("book/confirm/", book_confirm, name="book-confirm"),
    path("book/why/", book_why, name="book-why"),
]
