"""The schedule as a grid: a column per provider or room, a day or a week."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import ALL_ROLES
from scheduling.pages.common import render_page, role_required


@role_required(ALL_ROLES)
def calendar(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scheduling/calendar/calendar.html")


urlpatterns = [path("calendar/", calendar, name="calendar")]
