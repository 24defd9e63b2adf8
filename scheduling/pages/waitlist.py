"""The waitlist pages: putting a patient on it, the list, and acting on a freed slot (book a
waiting patient in one click, offer it, record a patient's no). Each action is a plain form
POST to one service; a refusal comes back as a message in the service's own words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.errors import DomainError
from clinic.models import Patient
from clinic.permissions import SCHEDULING
from clinic.read_audit import shown
from scheduling.availability import local_date
from scheduling.models import (
    LIVE_OFFERS,
    Appointment,
    FreedSlot,
    OfferStatus,
    Status,
    WaitlistEntry,
    WaitlistMatch,
)
from scheduling.pages.booking_forms import Case
from scheduling.pages.booking_support import patient_from, pick_patient
from scheduling.pages.common import acting_user, render_page, role_required
from scheduling.pages.waitlist_forms import WaitlistForm
from scheduling.waitlist import offers, selectors
from scheduling.waitlist.book import book_match
from scheduling.waitlist.entries import waitlist_add, waitlist_remove

# A waitlist window offered by default: from today to a month past the date searched from.
WINDOW_DAYS = 30


@dataclass(frozen=True)
class FreedView:
    """A freed slot as the desk acts on it: who fits, who holds an offer, who is next."""

    slot: FreedSlot
    matches: list[WaitlistMatch]
    on_offer: WaitlistMatch | None
    next_to_offer: WaitlistMatch | None

    @classmethod
    def of(cls, slot: FreedSlot) -> FreedView:
        matches = selectors.live_matches(slot)
        on_offer = next((m for m in matches if m.offer_status in LIVE_OFFERS), None)
        not_offered = [m for m in matches if m.offer_status == OfferStatus.NONE]
        return cls(
            slot=slot,
            matches=matches,
            on_offer=on_offer,
            next_to_offer=None if on_offer else next(iter(not_offered), None),
        )


def freed_views(slots: list[FreedSlot]) -> list[FreedView]:
    return [FreedView.of(slot) for slot in slots]


def waitlist_url(case: Case, from_day: dt.date | None = None) -> str:
    """The waitlist form for a case the booking search looked for, its dates filled in."""
    first = from_day or timezone.localdate()
    params = case.params(
        earliest=timezone.localdate(), latest=first + dt.timedelta(days=WINDOW_DAYS)
    )
    params.pop("provider", None)
    params.pop("room", None)
    return f"{reverse('waitlist-new')}?{urlencode(params)}"


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@role_required(SCHEDULING)
def waitlist_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    patient = patient_from(request, source)
    if patient is None:
        return pick_patient(
            request, url_name="waitlist-new", heading="Put on the waitlist: which patient?"
        )
    case = _case_to_move(patient, source.get("appointment"))
    if request.method == "POST":
        form = WaitlistForm(request.POST)
    else:
        initial: dict[str, Any] = {k: v for k, v in request.GET.items() if k != "patient"}
        if case is not None:
            initial.update(_from_case(case))
        form = WaitlistForm(initial=initial)
    refusal = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = waitlist_add(
                patient=patient,
                procedure_type=data["procedure_type"],
                region=data["region"],
                side=data["side"],
                levels=data.get("levels") or (),
                sedation=data["sedation"],
                earliest=data["earliest"],
                latest=data["latest"],
                preferred_providers=data["preferred_providers"],
                note=data["note"],
                appointment=case,
                acting_user=acting_user(request),
            )
        except DomainError as refused:
            refusal = refused.detail
        else:
            messages.success(
                request,
                f"{patient.full_name} is on the waitlist for {entry.procedure_type.name} between "
                f"{entry.earliest:%d %b} and {entry.latest:%d %b %Y}. A cancellation that fits "
                "will show on the desk.",
            )
            return redirect(f"{reverse('patient', args=[patient.pk])}#waitlist")
    shown(request, [patient])
    return render_page(
        request,
        "scheduling/waitlist/new.html",
        {"patient": patient, "form": form, "refusal": refusal, "case": case},
    )


def _case_to_move(patient: Patient, raw: str | None) -> Appointment | None:
    """The patient's booked case the form would move earlier; a stale or foreign id is none."""
    if not raw:
        return None
    return (
        Appointment.objects.select_related("procedure_type")
        .filter(pk=_id(raw), patient=patient, status=Status.SCHEDULED)
        .first()
    )


def _from_case(case: Appointment) -> dict[str, Any]:
    day = local_date(case.start)
    return {
        "appointment": case.pk,
        "procedure_type": case.procedure_type.code,
        "region": case.region,
        "side": case.side,
        "levels": ", ".join(case.levels or ()),
        "sedation": case.sedation,
        "sedation_for": case.procedure_type.code,
        "latest": max(timezone.localdate(), day - dt.timedelta(days=1)),
    }


def _id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


@role_required(SCHEDULING)
def waitlist_list(request: HttpRequest) -> HttpResponse:
    entries = selectors.entries()
    shown(request, [e.patient_id for e in entries])
    return render_page(
        request,
        "scheduling/waitlist/list.html",
        {"entries": entries, "freed": freed_views(selectors.open_freed_slots())},
    )


@role_required(SCHEDULING)
@require_POST
def waitlist_remove_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(WaitlistEntry.objects.select_related("patient"), pk=pk)
    fallback = f"{reverse('patient', args=[entry.patient_id])}#waitlist"
    try:
        waitlist_remove(entry=entry, acting_user=acting_user(request))
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, f"{entry.patient.full_name} is off the waitlist.")
    return _back(request, fallback)


def _match(request: HttpRequest, freed: FreedSlot) -> WaitlistMatch | None:
    return (
        WaitlistMatch.objects.select_related("entry__patient", "entry__procedure_type")
        .filter(pk=_id(request.POST.get("match")), freed_slot=freed)
        .first()
    )


@role_required(SCHEDULING)
@require_POST
def freed_book(request: HttpRequest, pk: int) -> HttpResponse:
    freed = get_object_or_404(FreedSlot, pk=pk)
    fallback = reverse("appointment", args=[freed.appointment_id])
    match = _match(request, freed)
    if match is None:
        messages.error(request, "That waiting patient is not on this slot's list any more.")
        return _back(request, fallback)
    try:
        booked = book_match(match=match, acting_user=acting_user(request))
    except DomainError as refused:
        messages.error(request, f"Not booked: {refused.detail}")
        return _back(request, fallback)
    when = timezone.localtime(booked.start)
    messages.success(
        request,
        f"Booked {booked.procedure_type.name} for {booked.patient.full_name} on "
        f"{when:%A %d %B %Y} at {when:%H:%M}, from the waitlist.",
    )
    return redirect("appointment", pk=booked.pk)


@role_required(SCHEDULING)
@require_POST
def freed_offer(request: HttpRequest, pk: int) -> HttpResponse:
    freed = get_object_or_404(FreedSlot, pk=pk)
    try:
        offered = offers.offer_first(freed, acting_user=acting_user(request))
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        channel = offered.entry.patient.get_preferred_channel_display()
        messages.success(
            request,
            f"Offered to {offered.entry.patient.full_name} by {channel}. If they do not take "
            "it in time, the next patient is offered it.",
        )
    return _back(request, reverse("appointment", args=[freed.appointment_id]))


@role_required(SCHEDULING)
@require_POST
def freed_decline(request: HttpRequest, pk: int) -> HttpResponse:
    freed = get_object_or_404(FreedSlot, pk=pk)
    match = _match(request, freed)
    fallback = reverse("appointment", args=[freed.appointment_id])
    if match is None:
        messages.error(request, "That waiting patient is not on this slot's list any more.")
        return _back(request, fallback)
    try:
        nxt = offers.offer_declined(match, acting_user=acting_user(request))
    except DomainError as refused:
        messages.error(request, refused.detail)
    else:
        then = f" Offered to {nxt.entry.patient.full_name} next." if nxt else ""
        messages.success(request, f"{match.entry.patient.full_name} said no.{then}")
    return _back(request, fallback)


urlpatterns = [
    path("waitlist/", waitlist_list, name="waitlist"),
    path("waitlist/new/", waitlist_new, name="waitlist-new"),
    path("waitlist/<int:pk>/remove/", waitlist_remove_entry, name="waitlist-remove"),
    path("freed-slots/<int:pk>/book/", freed_book, name="freed-book"),
    path("freed-slots/<int:pk>/offer/", freed_offer, name="freed-offer"),
    path("freed-slots/<int:pk>/decline/", freed_decline, name="freed-decline"),
]
