"""The scheduler's desk: today and tomorrow, cases needing attention, patient search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import SCHEDULING
from scheduling.pages.common import render_page, role_required


@role_required(SCHEDULING)
def desk(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scheduling/desk/desk.html")


urlpatterns = [path("desk/", desk, name="desk")]
