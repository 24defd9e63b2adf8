"""The case page's reading side: one appointment with everything about it, and its actions.

The page reads a fixed number of queries whatever the size of the case's checklist, its
reminders, follow-ups or history: the related rows are prefetched and the history names its
ids with one query per kind.

Nurses and managers see the checklist as forms, one per item; a save that the service refuses
(a value over its limit, someone else's newer change) comes back at that item. With htmx only
that item's row is swapped, with the progress, the actions and the history beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING
from clinic.read_audit import shown
from clinic.roles import roles_of
from scheduling.attention import attention_list
from scheduling.availability import local_date
from scheduling.case_history import case_history
from scheduling.models import Appointment, Status
from scheduling.pages.case_forms import FollowUpForm, OutcomeForm, OverrideForm
from scheduling.pages.case_sections import (
    ItemFeedback,
    authorization_for,
    checklist_progress,
    checklist_rows,
    follow_ups_due,
    override_of,
)
from scheduling.pages.common import render_page
from scheduling.pages.waitlist import freed_views
from scheduling.states import can_move
from scheduling.waitlist.selectors import freed_by_case

TEMPLATE = "scheduling/appointments/detail.html"
# One item's row, with the progress, actions and history as htmx out-of-band swaps.
ROW_SWAP_TEMPLATE = "scheduling/appointments/checklist_swap.html"
# The service ticks items of these cases only ("its checklist is closed" otherwise).
CHECKLIST_OPEN = (Status.SCHEDULED, Status.CHECKED_IN)


@dataclass(frozen=True)
class CaseActions:
    """What this user may do to this case now: their role (as the API's `allowed_roles`)
    and the case's status (the state machine). The services decide again on every POST."""

    reschedule: bool
    cancel: bool
    check_in: bool
    check_in_opens: dt.date | None  # a nurse's case on a later day: when check-in opens
    complete: bool
    no_show: bool
    outcome: bool
    checklist: bool  # the checklist's items as forms
    follow_up: bool
    follow_up_opens: dt.date | None  # a nurse's case completed today: follow-ups from tomorrow

    @classmethod
    def for_user(cls, roles: frozenset[str], case: Appointment) -> CaseActions:
        schedules, nurses = bool(roles & SCHEDULING), bool(roles & NURSING)
        status = case.status
        day = local_date(case.start)
        today = timezone.localdate()
        check_in = nurses and can_move(status, Status.CHECKED_IN)
        completed = nurses and status == Status.COMPLETED
        # The service refuses these until the day, and until the start has passed; a button
        # that can only be refused is not offered. A follow-up is dated after the case's day
        # and not in the future, so none can be recorded on the day itself.
        on_the_day = day == today
        started = timezone.now() >= case.start
        return cls(
            reschedule=schedules and status == Status.SCHEDULED,
            cancel=schedules and can_move(status, Status.CANCELLED),
            check_in=check_in and on_the_day,
            check_in_opens=day if check_in and day > today else None,
            complete=nurses and can_move(status, Status.COMPLETED),
            # Every role, as the API: the desk often learns first that a patient did not come.
            no_show=bool(roles & ALL_ROLES) and can_move(status, Status.NO_SHOW) and started,
            outcome=completed,
            checklist=nurses and status in CHECKLIST_OPEN,
            follow_up=completed and today > day,
            follow_up_opens=day + dt.timedelta(days=1) if completed and today <= day else None,
        )

    @property
    def any(self) -> bool:
        return any(
            (
                self.reschedule,
                self.cancel,
                self.check_in,
                self.complete,
                self.no_show,
                self.outcome,
                self.follow_up,
            )
        )


def case_context(
    request: HttpRequest,
    case: Appointment,
    *,
    check_in_refusal: dict[str, Any] | None = None,
    override_form: OverrideForm | None = None,
    outcome_form: OutcomeForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    feedback: ItemFeedback | None = None,
) -> dict[str, Any]:
    # The whole page and each row swapped by htmx show the case, and so its patient.
    shown(request, [case.patient_id])
    items = list(case.checklist_items.all())
    reminders = list(case.reminders.all())
    follow_ups = list(case.follow_ups.all())
    actions = CaseActions.for_user(roles_of(request.user), case)
    if outcome_form is None and actions.outcome:
        outcome_form = OutcomeForm(
            initial={
                "relief_percent": case.relief_percent if case.pain_before is None else None,
                "pain_before": case.pain_before,
                "pain_after": case.pain_after,
            }
        )
    if follow_up_form is None and actions.follow_up:
        follow_up_form = FollowUpForm(initial={"assessed_on": timezone.localdate()})
    authorization = authorization_for(case, items)
    # The times this case freed (cancelled, moved), for the desk to fill from the waitlist.
    schedules = bool(roles_of(request.user) & SCHEDULING)
    freed = freed_views(freed_by_case(case)) if schedules else []
    shown(request, [m.entry.patient_id for view in freed for m in view.matches])
    history = case_history(case, checklist_items=items)
    return {
        "case": case,
        "patient": case.patient,
        "day": local_date(case.start),
        "holds": list(case.holds.all()),
        "items": items,
        "rows": checklist_rows(
            case, items, authorization, editable=actions.checklist, feedback=feedback
        ),
        "progress": checklist_progress(items),
        "authorization": authorization,
        "reminders": reminders,
        "follow_ups": follow_ups,
        "follow_ups_due": follow_ups_due(reminders, follow_ups),
        "history": history,
        "override": override_of(case, history, items),
        "flags": attention_list(case),
        "freed": freed,
        "actions": actions,
        "check_in_refusal": check_in_refusal,
        "override_form": override_form,
        "outcome_form": outcome_form,
        "follow_up_form": follow_up_form,
        "checklist_status": feedback.saved if feedback else "",
    }


def render_case(
    request: HttpRequest,
    case: Appointment,
    *,
    status: int = 200,
    check_in_refusal: dict[str, Any] | None = None,
    override_form: OverrideForm | None = None,
    outcome_form: OutcomeForm | None = None,
    follow_up_form: FollowUpForm | None = None,
    feedback: ItemFeedback | None = None,
) -> HttpResponse:
    context = case_context(
        request,
        case,
        check_in_refusal=check_in_refusal,
        override_form=override_form,
        outcome_form=outcome_form,
        follow_up_form=follow_up_form,
        feedback=feedback,
    )
    return render_page(request, TEMPLATE, context, status=status)


def render_item_swap(
    request: HttpRequest, case: Appointment, item_id: int, feedback: ItemFeedback | None
) -> HttpResponse:
    """For htmx: the item's row, and the parts of the page its change moves (progress,
    actions, history) as out-of-band swaps. The same context as the whole page's."""
    context = case_context(request, case, feedback=feedback)
    context["row"] = next(row for row in context["rows"] if row.item.pk == item_id)
    response = render_page(request, ROW_SWAP_TEMPLATE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_not_found(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "scheduling/appointments/not_found.html", {"pk": pk}, status=404)
