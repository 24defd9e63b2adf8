"""Reschedule a case: a slot search for the same case, or a time typed by hand.

Choosing a slot (or typing a time) POSTs to the reschedule service, which checks every rule
again; a refusal (the rules, a slot taken a moment ago, hours) is shown on the page in the
service's words, with each rule's date and a search from that date.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from clinic.errors import DomainError
from clinic.permissions import SCHEDULING
from clinic.read_audit import shown
from scheduling import selectors, services
from scheduling.availability import at_local, local_date
from scheduling.case_history import place
from scheduling.errors import InvalidTransition
from scheduling.models import Appointment
from scheduling.pages.case_forms import MoveForm, SlotSearchForm
from scheduling.pages.case_page import render_not_found
from scheduling.pages.case_search import CaseSearch, slots_for_case
from scheduling.pages.common import acting_user, render_page, role_required
from scheduling.slots import Slot
from scheduling.states import require_reschedulable


def _search(case: Appointment, form: SlotSearchForm) -> tuple[CaseSearch | None, str]:
    """The slots for the search form's filters, or the refusal of the search itself."""
    if not form.is_valid():
        return None, ""
    today = timezone.localdate()
    day = form.cleaned_data.get("from_date") or today
    after = timezone.now() if day <= today else at_local(day, dt.time.min)
    try:
        found = slots_for_case(
            case,
            after=after,
            provider=form.cleaned_data.get("provider"),
            room=form.cleaned_data.get("room"),
        )
    except DomainError as refusal:
        return None, refusal.detail
    return found, ""


def _by_day(slots: list[Slot]) -> list[tuple[dt.date, list[Slot]]]:
    return [(day, list(group)) for day, group in groupby(slots, key=lambda s: local_date(s.start))]


def _refusal(error: DomainError) -> dict[str, Any]:
    """The service's sentence, and each rule it names with the date the rule stops blocking."""
    violations = [
        {
            "detail": v.get("detail", ""),
            "eligible_from": dt.date.fromisoformat(v["eligible_from"])
            if v.get("eligible_from")
            else None,
        }
        for v in error.violations or []
    ]
    return {"code": error.code, "detail": error.detail, "violations": violations}


def _where(case: Appointment) -> str:
    return place(case.start, case.provider.name, case.room.name)


@role_required(SCHEDULING)
def case_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.appointment_case(pk)
    if case is None:
        return render_not_found(request, pk)
    try:
        require_reschedulable(case.status)
    except InvalidTransition as stale:
        messages.error(request, stale.detail)
        return redirect("appointment", pk=case.pk)

    refusal: dict[str, Any] | None = None
    if request.method == "POST":
        move = MoveForm(request.POST, procedure_type=case.procedure_type, auto_id="move_%s")
        if move.is_valid():
            before = _where(case)
            user = acting_user(request)
            try:
                moved = services.appointment_reschedule(
                    appointment=case,
                    start=move.cleaned_data["start"],
                    provider=move.cleaned_data.get("provider"),
                    room=move.cleaned_data.get("room"),
                    acting_user=user,
                )
            except InvalidTransition as stale:
                messages.error(request, stale.detail)
                return redirect("appointment", pk=case.pk)
            except DomainError as error:
                refusal = _refusal(error)
            else:
                messages.success(request, f"Moved from {before} to {_where(moved)}.")
                return redirect("appointment", pk=case.pk)
    else:
        move = MoveForm(
            procedure_type=case.procedure_type,
            initial={"provider": case.provider_id, "room": case.room_id},
            # The search form beside it has its own provider and room fields.
            auto_id="move_%s",
        )

    # The search runs from today until the scheduler asks for another date or place.
    params = request.GET or {"from": timezone.localdate().isoformat()}
    search_form = SlotSearchForm(params, procedure_type=case.procedure_type)
    search, search_refusal = _search(case, search_form)
    shown(request, [case.patient_id])
    return render_page(
        request,
        "scheduling/appointments/reschedule.html",
        {
            "case": case,
            "now_at": _where(case),
            "search_form": search_form,
            "search": search,
            "search_refusal": search_refusal,
            "days": _by_day(search.slots) if search else [],
            "move_form": move,
            "refusal": refusal,
        },
    )
