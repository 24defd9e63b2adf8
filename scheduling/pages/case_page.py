"""The case page's reading side: one appointment with everything about it, and its actions.

The page reads a fixed number of queries whatever the size of the case's checklist, its
reminders or its history: the related rows are prefetched and the history names its ids
with one query per kind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING
from clinic.roles import roles_of
from procedures import selectors as procedure_selectors
from procedures.models import PriorAuthorization
from scheduling import selectors
from scheduling.availability import local_date
from scheduling.case_history import case_history
from scheduling.models import Appointment, ChecklistItem, Reminder, Status
from scheduling.pages.case_forms import OutcomeForm, OverrideForm
from scheduling.pages.common import render_page
from scheduling.states import can_move
from scheduling.workflow import PRIOR_AUTH

TEMPLATE = "scheduling/appointments/detail.html"


def load_case(pk: int) -> Appointment | None:
    """The case with its patient, places, holds, checklist (and who ticked) and reminders."""
    return (
        selectors.appointments_with_context()
        .select_related("patient__payer", "outcome_recorded_by")
        .prefetch_related(
            Prefetch(
                "checklist_items",
                queryset=ChecklistItem.objects.select_related("done_by").order_by("order", "code"),
            ),
            Prefetch("reminders", queryset=Reminder.objects.order_by("due_at", "id")),
        )
        .filter(pk=pk)
        .first()
    )


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

    @classmethod
    def for_user(cls, roles: frozenset[str], case: Appointment) -> CaseActions:
        schedules, nurses = bool(roles & SCHEDULING), bool(roles & NURSING)
        status = case.status
        day = local_date(case.start)
        check_in = nurses and can_move(status, Status.CHECKED_IN)
        # The service refuses these until the day, and until the start has passed; a button
        # that can only be refused is not offered.
        on_the_day = day == timezone.localdate()
        started = timezone.now() >= case.start
        return cls(
            reschedule=schedules and status == Status.SCHEDULED,
            cancel=schedules and can_move(status, Status.CANCELLED),
            check_in=check_in and on_the_day,
            check_in_opens=day if check_in and day > timezone.localdate() else None,
            complete=nurses and can_move(status, Status.COMPLETED),
            # Every role, as the API: the desk often learns first that a patient did not come.
            no_show=bool(roles & ALL_ROLES) and can_move(status, Status.NO_SHOW) and started,
            outcome=nurses and status == Status.COMPLETED,
        )

    @property
    def any(self) -> bool:
        return any(
            (self.reschedule, self.cancel, self.check_in, self.complete, self.no_show, self.outcome)
        )


@dataclass(frozen=True)
class Progress:
    done: int
    required: int
    open_items: list[ChecklistItem]

    @property
    def complete(self) -> bool:
        return self.done == self.required


def checklist_progress(items: list[ChecklistItem]) -> Progress:
    required = [item for item in items if item.required]
    return Progress(
        done=sum(1 for item in required if item.done),
        required=len(required),
        open_items=[item for item in required if not item.done],
    )


@dataclass(frozen=True)
class Authorization:
    """Prior authorization for the case: needed or not, and what covers the case day."""

    needed: bool
    item: ChecklistItem | None
    covering: PriorAuthorization | None


def authorization_for(case: Appointment, items: list[ChecklistItem]) -> Authorization:
    # The checklist carries the prior-auth item exactly when the payer or the procedure
    # needs one (workflow.refresh_checklist); the authorization is read only then.
    item = next((i for i in items if i.code == PRIOR_AUTH), None)
    if item is None:
        return Authorization(needed=False, item=None, covering=None)
    covering = procedure_selectors.covering_authorization(
        case.patient_id, case.procedure_type_id, local_date(case.start)
    )
    return Authorization(needed=True, item=item, covering=covering)


def render_case(
    request: HttpRequest,
    case: Appointment,
    *,
    status: int = 200,
    check_in_refusal: dict[str, Any] | None = None,
    override_form: OverrideForm | None = None,
    outcome_form: OutcomeForm | None = None,
) -> HttpResponse:
    items = list(case.checklist_items.all())
    actions = CaseActions.for_user(roles_of(request.user), case)
    if outcome_form is None and actions.outcome:
        outcome_form = OutcomeForm(
            initial={
                "relief_percent": case.relief_percent if case.pain_before is None else None,
                "pain_before": case.pain_before,
                "pain_after": case.pain_after,
            }
        )
    return render_page(
        request,
        TEMPLATE,
        {
            "case": case,
            "patient": case.patient,
            "day": local_date(case.start),
            "holds": list(case.holds.all()),
            "items": items,
            "progress": checklist_progress(items),
            "authorization": authorization_for(case, items),
            "reminders": list(case.reminders.all()),
            "history": case_history(case, checklist_items=items),
            "actions": actions,
            "check_in_refusal": check_in_refusal,
            "override_form": override_form,
            "outcome_form": outcome_form,
        },
        status=status,
    )


def render_not_found(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "scheduling/appointments/not_found.html", {"pk": pk}, status=404)
