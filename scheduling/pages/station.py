"""The nurse's station: the day's cases, per room in time order, each one click from its page."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from clinic.permissions import NURSING
from scheduling.pages.common import render_page, role_required
from scheduling.selectors import appointment_list


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()


@role_required(NURSING)
def station(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    return render_page(
        request,
        "scheduling/station/station.html",
        {
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "appointments": appointment_list(on_date=day),
        },
    )


urlpatterns = [path("station/", station, name="station")]
