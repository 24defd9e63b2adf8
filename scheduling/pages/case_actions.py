"""The case's actions as plain form POSTs: cancel, check in, complete, no-show, outcome,
follow-up.

Each calls one service, with the roles the API gives that action. Success redirects to the
case page with a message (POST-redirect-GET). A refusal that the user can act on in a form
(open checklist items, a missing reason) re-renders the form with it; any other refusal,
such as a stale page asking for a move the case no longer allows, comes back as a message
on the case page in the service's own words, never as an error page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from clinic.errors import DomainError
from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING
from clinic.read_audit import shown
from scheduling import selectors, services, workflow
from scheduling.errors import ChecklistIncomplete, InvalidTransition
from scheduling.models import Appointment, CancelCause, Status
from scheduling.pages.case_forms import CancelForm, FollowUpForm, OutcomeForm, OverrideForm
from scheduling.pages.case_page import render_case, render_not_found
from scheduling.pages.common import acting_user, render_page, role_required
from scheduling.states import require_transition


def _back(pk: int) -> HttpResponse:
    return redirect("appointment", pk=pk)


def _refused(request: HttpRequest, case: Appointment, error: DomainError) -> HttpResponse:
    messages.error(request, error.detail)
    return _back(case.pk)


CaseView = Callable[[HttpRequest, Appointment], HttpResponse]


def case_post(view: CaseView) -> Callable[..., HttpResponse]:
    """Load the case (a 404 page when there is none); a GET goes back to the case page."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        case = selectors.appointment_case(pk)
        if case is None:
            return render_not_found(request, pk)
        if request.method != "POST":
            return _back(pk)
        return view(request, case)

    return wrapped


# --- Cancel: a page of its own, so a case is never cancelled by a stray click -----------------


@role_required(SCHEDULING)
def case_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.appointment_case(pk)
    if case is None:
        return render_not_found(request, pk)
    try:
        require_transition(case.status, Status.CANCELLED)
    except InvalidTransition as refusal:
        return _refused(request, case, refusal)
    form = CancelForm(request.POST if request.method == "POST" else None)
    refusal_text = ""
    if form.is_valid():
        try:
            services.appointment_cancel(
                appointment=case,
                reason=form.cleaned_data["reason"],
                cause=form.cleaned_data["cause"],
                acting_user=acting_user(request),
            )
        except DomainError as refusal:
            refusal_text = refusal.detail
        else:
            cause = CancelCause(form.cleaned_data["cause"]).label
            messages.success(request, f"Case cancelled ({cause}). Its reminders are cancelled.")
            return _back(case.pk)
    shown(request, [case.patient_id])
    return render_page(
        request,
        "scheduling/appointments/cancel.html",
        {"case": case, "form": form, "refusal": refusal_text},
        status=200,
    )


# --- The nurse's day: check in, complete, no-show, outcome, follow-ups ----------------------


@role_required(NURSING)
@case_post
def case_check_in(request: HttpRequest, case: Appointment) -> HttpResponse:
    """Check in; open required items come back listed, with the override form beside them."""
    overriding = "override" in request.POST
    override_form = OverrideForm(request.POST) if overriding else None
    if override_form is not None and not override_form.is_valid():
        open_items = workflow.open_required_items(case)
        refusal = {
            "detail": "Required checklist items are open; check in only with a reason.",
            "open_items": [{"id": i.pk, "code": i.code, "label": i.label} for i in open_items],
        }
        return render_case(
            request, case, check_in_refusal=refusal, override_form=override_form, status=200
        )
    reason = override_form.cleaned_data["override_reason"] if override_form else ""
    try:
        services.appointment_check_in(
            appointment=case, acting_user=acting_user(request), override_reason=reason
        )
    except ChecklistIncomplete as refusal:
        return render_case(
            request,
            case,
            check_in_refusal={"detail": refusal.detail, **refusal.extra},
            override_form=OverrideForm(),
        )
    except DomainError as refusal:
        return _refused(request, case, refusal)
    if reason:
        messages.success(request, "Checked in with an override; the reason is recorded.")
    else:
        messages.success(request, "Checked in.")
    return _back(case.pk)


def _simple(service: Callable[..., Appointment], done: str) -> CaseView:
    def act(request: HttpRequest, case: Appointment) -> HttpResponse:
        try:
            service(appointment=case, acting_user=acting_user(request))
        except DomainError as refusal:
            return _refused(request, case, refusal)
        messages.success(request, done)
        return _back(case.pk)

    return act


case_complete = role_required(NURSING)(
    case_post(_simple(services.appointment_complete, "Case completed."))
)
# Any role, as the API: the desk often learns first that a patient did not come.
case_no_show = role_required(ALL_ROLES)(
    case_post(_simple(services.appointment_no_show, "Marked as a no-show."))
)


@role_required(NURSING)
@case_post
def case_outcome(request: HttpRequest, case: Appointment) -> HttpResponse:
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, outcome_form=form)
    try:
        changed = services.appointment_record_outcome(
            appointment=case, acting_user=acting_user(request), **form.service_arguments()
        )
    except DomainError as refusal:
        return _refused(request, case, refusal)
    messages.success(request, _outcome_message(changed))
    return _back(case.pk)


def _outcome_message(case: Appointment) -> str:
    text = f"Relief recorded: {case.relief_percent}%"
    if case.pain_before is not None:
        text += f" (pain {case.pain_before} before, {case.pain_after} after)"
    return f"{text}."


@role_required(NURSING)
@case_post
def case_follow_up(request: HttpRequest, case: Appointment) -> HttpResponse:
    """Relief on a later day; the service's refusal of the day comes back beside the field."""
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return render_case(request, case, follow_up_form=form)
    try:
        follow_up = services.appointment_record_follow_up(
            appointment=case, acting_user=acting_user(request), **form.service_arguments()
        )
    except ValidationError as refusal:
        for field, errors in refusal.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return render_case(request, case, follow_up_form=form)
    except DomainError as refusal:
        return _refused(request, case, refusal)
    on = follow_up.assessed_on
    relief = follow_up.relief_percent
    text = f"Follow-up recorded: relief {relief}% on {on:%a} {on.day} {on:%b %Y}."
    messages.success(request, text)
    return _back(case.pk)
