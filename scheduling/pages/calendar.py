"""The schedule as a grid: a column per provider, room or unit of shared equipment, a day or
a week.

Everything the page shows is in its URL (`?date=&view=day|week&by=provider|room|equipment`, and
`cancelled=1` to show cancelled and no-show cases), so any view can be bookmarked or sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic import read_audit
from clinic.permissions import ALL_ROLES, SCHEDULING
from clinic.roles import roles_of
from scheduling.calendar_grid import By, Grid, build_grid
from scheduling.pages.common import render_page, role_required
from scheduling.pages.fields import ClinicDateField

DAY, WEEK = "day", "week"
# The title's words and the week view's list of columns, by what the columns are.
BY_LABELS = {
    By.ROOM: ("by room", "Rooms"),
    By.PROVIDER: ("by provider", "Providers"),
    By.EQUIPMENT: ("by equipment", "Equipment"),
}


class CalendarQuery(forms.Form):
    date = ClinicDateField(required=False)
    view = forms.ChoiceField(choices=[(DAY, "Day"), (WEEK, "Week")], required=False)
    by = forms.ChoiceField(choices=[(b.value, b.value) for b in By], required=False)
    cancelled = forms.BooleanField(required=False)


@dataclass(frozen=True)
class Shown:
    """What the calendar shows: one date's day or week, by provider, room or equipment."""

    day: dt.date
    view: str = DAY
    by: By = By.ROOM
    cancelled: bool = False

    @property
    def first(self) -> dt.date:
        return self.day - dt.timedelta(days=self.day.weekday()) if self.view == WEEK else self.day

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=6) if self.view == WEEK else self.day

    def url(self, **changes: Any) -> str:
        shown = replace(self, **changes)
        query = {"date": shown.day.isoformat(), "view": shown.view, "by": shown.by.value}
        if shown.cancelled:
            query["cancelled"] = "1"
        return f"{reverse('calendar')}?{urlencode(query)}"


def read_query(query: CalendarQuery, today: dt.date) -> Shown:
    """The form's values, each one that is missing or wrong replaced by its default."""
    query.is_valid()
    data = getattr(query, "cleaned_data", {})
    return Shown(
        day=data.get("date") or today,
        view=data.get("view") or DAY,
        by=By(data.get("by") or By.ROOM),
        cancelled=bool(data.get("cancelled")),
    )


def navigation(shown: Shown, today: dt.date) -> dict[str, Any]:
    step = dt.timedelta(days=7 if shown.view == WEEK else 1)
    unit = "week" if shown.view == WEEK else "day"
    return {
        "previous": {"url": shown.url(day=shown.day - step), "label": f"Previous {unit}"},
        "today": {"url": shown.url(day=today), "label": "Today" if unit == "day" else "This week"},
        "next": {"url": shown.url(day=shown.day + step), "label": f"Next {unit}"},
        "views": [
            {"url": shown.url(view=view), "label": label, "current": shown.view == view}
            for view, label in ((DAY, "Day"), (WEEK, "Week"))
        ],
        "by": [
            {"url": shown.url(by=by), "label": label, "current": shown.by is by}
            for by, label in (
                (By.ROOM, "By room"),
                (By.PROVIDER, "By provider"),
                (By.EQUIPMENT, "By equipment"),
            )
        ],
        "cancelled": {
            "url": shown.url(cancelled=not shown.cancelled),
            "label": (
                "Hide cancelled and no-show cases"
                if shown.cancelled
                else "Show cancelled and no-show cases"
            ),
        },
    }


def _title(shown: Shown) -> str:
    if shown.view == DAY:
        return f"{shown.day:%A} {shown.day.day} {shown.day:%B %Y}"
    first, last = shown.first, shown.last
    if first.month == last.month:
        return f"Week of {first.day}–{last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"Week of {first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"Week of {first.day} {first:%B %Y} – {last.day} {last:%B %Y}"


@role_required(ALL_ROLES)
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    query = CalendarQuery(request.GET)
    shown = read_query(query, today)
    # Free gaps link to booking only for those who may book (base.html has `can_schedule`).
    can_schedule = bool(roles_of(request.user) & SCHEDULING)
    grid: Grid = build_grid(
        first=shown.first,
        last=shown.last,
        by=shown.by,
        now=timezone.now(),
        include_inactive=shown.cancelled,
        book_links=can_schedule,
        # Week view: Monday to Friday, and a weekend day only when the clinic opens or a
        # case is booked on it.
        skip_closed_weekends=shown.view == WEEK,
    )
    for row in grid.resources:
        for lane in row.lanes:
            lane.link = shown.url(day=lane.day, view=DAY)
    # Each block names its patient: the grid's cases are this response's patients.
    read_audit.shown(
        request,
        [
            block.appointment.patient_id
            for row in grid.resources
            for lane in row.lanes
            for block in lane.cases
        ],
    )
    return render_page(
        request,
        "scheduling/calendar/calendar.html",
        {
            "grid": grid,
            "shown": shown,
            "query": query,
            "title": _title(shown),
            "nav": navigation(shown, today),
            "is_week": shown.view == WEEK,
            "by_room": shown.by is By.ROOM,
            # A unit's free time books nothing by itself: booking starts from a room or a provider.
            "books_from_gaps": shown.by is not By.EQUIPMENT,
            "by_label": BY_LABELS[shown.by],
            # A room's or a unit's column heads say what it is; a provider's, their hours.
            "show_detail": shown.by is not By.PROVIDER,
        },
    )


urlpatterns = [path("calendar/", calendar, name="calendar")]
