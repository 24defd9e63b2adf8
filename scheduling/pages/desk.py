"""The scheduler's desk: today and tomorrow, cases needing attention, patient search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from clinic.permissions import SCHEDULING
from clinic.read_audit import shown
from scheduling import selectors
from scheduling.models import Appointment
from scheduling.pages.common import render_page, role_required
from scheduling.pages.waitlist import freed_views
from scheduling.waitlist.selectors import open_freed_slots

# The next freed times with waiting patients who fit; the waitlist page has them all.
DESK_FREED_SLOTS = 5


@dataclass(frozen=True)
class DeskDay:
    date: dt.date
    name: str
    cases: list[Appointment]


@role_required(SCHEDULING)
def desk(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    by_day = selectors.cases_by_day(today, tomorrow)
    attention = selectors.cases_needing_attention(today=today)
    shown(request, [case.patient_id for case in by_day[today] + by_day[tomorrow]])
    shown(request, [item.case.patient_id for item in attention])
    freed = freed_views(open_freed_slots(limit=DESK_FREED_SLOTS))
    shown(request, [m.entry.patient_id for view in freed for m in view.matches])
    return render_page(
        request,
        "scheduling/desk/desk.html",
        {
            "days": [
                DeskDay(date=today, name="Today", cases=by_day[today]),
                DeskDay(date=tomorrow, name="Tomorrow", cases=by_day[tomorrow]),
            ],
            "attention": attention,
            "freed": freed,
            "attention_ids": {item.case.pk for item in attention},
            "attention_days": selectors.ATTENTION_DAYS,
            "attention_until": today + dt.timedelta(days=selectors.ATTENTION_DAYS),
        },
    )


urlpatterns = [path("desk/", desk, name="desk")]
