"""The nurse's station: the day's worklist, which refreshes itself, and its printable sheet.

Everything the worklist shows is in its URL (`?date=&room=&provider=&open=1`), so a bookmark
or the day links keep the nurse's filters. The page asks htmx to fetch that same URL every
`STATION_REFRESH_SECONDS` and to swap only the list: the filter form, the scroll position
and the focus (links keep their ids, which htmx uses to restore focus) stay as they were.
Without JavaScript it is a plain page with a Reload link.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from clinic.permissions import NURSING
from clinic.read_audit import shown
from scheduling.pages.common import render_page, role_required
from scheduling.pages.fields import ClinicDateField
from scheduling.worklist import Worklist, worklist

TEMPLATE = "scheduling/station/station.html"
PRINT_TEMPLATE = "scheduling/station/print.html"


class StationQuery(forms.Form):
    date = ClinicDateField(required=False)
    room = forms.IntegerField(required=False, min_value=1)
    provider = forms.IntegerField(required=False, min_value=1)
    open = forms.BooleanField(required=False)


@dataclass(frozen=True)
class Shown:
    """What the station shows: a day, and the filters in force."""

    day: dt.date
    room_id: int | None = None
    provider_id: int | None = None
    open_only: bool = False

    def query(self, **changes: Any) -> str:
        shown = replace(self, **changes)
        query: dict[str, object] = {"date": shown.day.isoformat()}
        if shown.room_id is not None:
            query["room"] = shown.room_id
        if shown.provider_id is not None:
            query["provider"] = shown.provider_id
        if shown.open_only:
            query["open"] = "1"
        return urlencode(query)

    def url(self, name: str = "station", **changes: Any) -> str:
        return f"{reverse(name)}?{self.query(**changes)}"


def read_query(query: StationQuery, today: dt.date) -> Shown:
    """The query's values, each one that is missing or wrong replaced by its default."""
    query.is_valid()
    data = getattr(query, "cleaned_data", {})
    return Shown(
        day=data.get("date") or today,
        room_id=data.get("room"),
        provider_id=data.get("provider"),
        open_only=bool(data.get("open")),
    )


def refresh_seconds() -> int:
    return int(settings.STATION_REFRESH_SECONDS)


def day_words(day: dt.date, today: dt.date) -> str:
    return {
        today: "today",
        today + dt.timedelta(days=1): "tomorrow",
        today - dt.timedelta(days=1): "yesterday",
    }.get(day, "")


def _navigation(shown: Shown, today: dt.date) -> list[dict[str, Any]]:
    """Previous and next day, today and tomorrow: each keeps the filters."""
    one = dt.timedelta(days=1)
    return [
        {"url": shown.url(day=shown.day - one), "label": "Previous day", "rel": "prev"},
        {"url": shown.url(day=today), "label": "Today", "current": shown.day == today},
        {
            "url": shown.url(day=today + one),
            "label": "Tomorrow",
            "current": shown.day == today + one,
        },
        {"url": shown.url(day=shown.day + one), "label": "Next day", "rel": "next"},
    ]


def _read(request: HttpRequest, *, whole_day: bool = False) -> tuple[StationQuery, Shown, Worklist]:
    """The query, what it asks for as applied, and the worklist. `whole_day`: every case of
    the day (of the room or provider asked for), open items or not, as the day sheet lists."""
    query = StationQuery(request.GET)
    asked = read_query(query, timezone.localdate())
    if whole_day:
        asked = replace(asked, open_only=False)
    found = worklist(
        asked.day,
        room_id=asked.room_id,
        provider_id=asked.provider_id,
        open_only=asked.open_only,
    )
    # A room or provider id that names none is dropped, as a wrong date is: the page, its
    # links and its refresh all show what is really applied.
    applied = replace(asked, room_id=found.filters.room_id, provider_id=found.filters.provider_id)
    # The page, its sheet and each refresh show these rows: each is a read of their patients.
    shown(request, [row.case.patient_id for row in found.cases])
    shown(request, [case.patient_id for case in found.not_coming])
    return query, applied, found


@role_required(NURSING)
@require_GET
def station(request: HttpRequest) -> HttpResponse:
    query, shown, found = _read(request)
    today = timezone.localdate()
    context = {
        "query": query,
        "shown": shown,
        "worklist": found,
        "day_words": day_words(shown.day, today),
        "nav": _navigation(shown, today),
        "self_url": shown.url(),
        "clear_url": Shown(day=shown.day).url(),
        "print_url": shown.url("station-print", open_only=False),
        "refresh_seconds": refresh_seconds(),
        "now": timezone.localtime(),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        # The refresh: only the list, into the list's container.
        response = render_page(request, f"{TEMPLATE}#worklist", context)
    else:
        response = render_page(request, TEMPLATE, context)
    # The same URL answers a whole page or its list: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@role_required(NURSING)
@require_GET
def station_print(request: HttpRequest) -> HttpResponse:
    """The day sheet: every case of the day (a room or provider when asked), with its gaps."""
    _, shown, found = _read(request, whole_day=True)
    return render_page(
        request,
        PRINT_TEMPLATE,
        {
            "shown": shown,
            "worklist": found,
            "day_words": day_words(shown.day, timezone.localdate()),
            "back_url": shown.url(),
            "now": timezone.localtime(),
        },
    )


urlpatterns = [
    path("station/", station, name="station"),
    path("station/print/", station_print, name="station-print"),
]
