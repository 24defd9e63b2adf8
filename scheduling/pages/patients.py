"""Patients: search, register, and the one screen of everything that decides a booking."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clinic.permissions import ALL_ROLES
from scheduling.pages.common import render_page, role_required


@role_required(ALL_ROLES)
def patient_list(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scheduling/patients/list.html")


@role_required(ALL_ROLES)
def patient_new(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scheduling/patients/list.html")


@role_required(ALL_ROLES)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_page(request, "scheduling/patients/list.html")


urlpatterns = [
    path("patients/", patient_list, name="patients"),
    path("patients/new/", patient_new, name="patient-new"),
    path("patients/<int:pk>/", patient_detail, name="patient"),
]
