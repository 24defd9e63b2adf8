"""The case page, `/appointments/<id>/`: everything about one appointment, and the actions
the user's role and the case's status allow. Its forms and actions live beside it
(`case_*.py`): reschedule and cancel pages, the nurse's checklist, check-in, completion,
no-show, outcome and follow-ups.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import ALL_ROLES
from scheduling import selectors
from scheduling.pages.case_actions import (
    case_cancel,
    case_check_in,
    case_complete,
    case_follow_up,
    case_no_show,
    case_outcome,
)
from scheduling.pages.case_checklist import case_checklist_item
from scheduling.pages.case_page import render_case, render_not_found
from scheduling.pages.case_reschedule import case_reschedule
from scheduling.pages.common import role_required


@role_required(ALL_ROLES)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.appointment_case(pk)
    if case is None:
        return render_not_found(request, pk)
    return render_case(request, case)


# Page names start with `case-`: the API's `appointment-cancel` and the like are taken.
urlpatterns = [
    path("appointments/<int:pk>/", appointment_detail, name="appointment"),
    path("appointments/<int:pk>/reschedule/", case_reschedule, name="case-reschedule"),
    path("appointments/<int:pk>/cancel/", case_cancel, name="case-cancel"),
    path("appointments/<int:pk>/check-in/", case_check_in, name="case-check-in"),
    path("appointments/<int:pk>/complete/", case_complete, name="case-complete"),
    path("appointments/<int:pk>/no-show/", case_no_show, name="case-no-show"),
    path("appointments/<int:pk>/outcome/", case_outcome, name="case-outcome"),
    path("appointments/<int:pk>/follow-ups/", case_follow_up, name="case-follow-up"),
    path(
        "appointments/<int:pk>/checklist/<int:item_id>/",
        case_checklist_item,
        name="case-checklist-item",
    ),
]
