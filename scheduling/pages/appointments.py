"""The case page: everything about one appointment, and the actions the user's role allows."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import ALL_ROLES
from scheduling.pages.common import render_page, role_required


@role_required(ALL_ROLES)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "scheduling/appointments/detail.html")


urlpatterns = [path("appointments/<int:pk>/", appointment_detail, name="appointment")]
