"""Patients: search, register, and the one screen of everything that decides a booking."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.widgets import RegionalPhoneNumberWidget

from clinic import services
from clinic.models import Patient, Payer
from clinic.permissions import ALL_ROLES, MANAGERS, NURSING, SCHEDULING
from clinic.read_audit import shown
from clinic.roles import roles_of
from clinic.validators import validate_birth_date
from scheduling.pages.common import acting_user, render_page, role_required
from scheduling.pages.patient_reads import who_looked
from scheduling.patient_summary import (
    attach_next_cases,
    patient_record,
    recent_rows,
    search_rows,
)
from scheduling.waitlist import selectors as waitlist_selectors

PAGE_SIZE = 25
# The clinic writes dates month first; ISO dates are accepted too.
DATE_FORMATS = ["%m/%d/%Y", "%Y-%m-%d"]

# Who may register a patient: as the API (POST /api/patients/), schedulers and managers, with
# the clinical flags the referral gives.
REGISTERING = SCHEDULING


@role_required(ALL_ROLES)
def patient_list(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").replace("\x00", "").split())
    context: dict[str, Any] = {"query": query}
    if query:
        page = Paginator(search_rows(query), PAGE_SIZE).get_page(request.GET.get("page"))
        attach_next_cases(page.object_list)  # type: ignore[arg-type]
        context["page"] = page
        context["patients"] = page.object_list
    else:
        # No query: the patients registered or corrected last, never the whole table.
        recent = list(recent_rows()[:PAGE_SIZE])
        attach_next_cases(recent)
        context["patients"] = recent
    # The rows on this page only: a search's other pages are read when they are shown.
    shown(request, context["patients"])
    return render_page(request, "scheduling/patients/list.html", context)


class TypedPhoneWidget(RegionalPhoneNumberWidget):
    """Shows a refused number as it was typed ("555-01"), not as the library reformats it."""

    def format_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return value
        return super().format_value(value)


class PatientForm(forms.Form):
    """The API's fields and checks (PatientSerializer), for a person at a keyboard."""

    mrn = forms.CharField(label="MRN", max_length=40)
    first_name = forms.CharField(label="First name", max_length=80)
    last_name = forms.CharField(label="Last name", max_length=80)
    birth_date = forms.DateField(
        label="Birth date",
        validators=[validate_birth_date],
        input_formats=DATE_FORMATS,
        help_text="MM/DD/YYYY, e.g. 03/02/1970.",
        widget=forms.DateInput(format="%m/%d/%Y", attrs={"autocomplete": "off"}),
    )
    phone = PhoneNumberField(
        label="Phone",
        required=False,
        region=settings.PHONENUMBER_DEFAULT_REGION,
        widget=TypedPhoneWidget(
            region=settings.PHONENUMBER_DEFAULT_REGION, attrs={"autocomplete": "off"}
        ),
        help_text='As you would dial it, e.g. (212) 555-0123, or with "+" and the country code.',
    )
    email = forms.EmailField(label="Email", required=False)
    preferred_channel = forms.ChoiceField(
        label="Reminders by",
        choices=Patient.Channel.choices,
        initial=Patient.Channel.EMAIL,
        widget=forms.RadioSelect,
    )
    payer = forms.ModelChoiceField(
        label="Payer",
        queryset=Payer.objects.all(),
        required=False,
        empty_label="None (self-pay)",
        help_text="The payer decides which rule set applies.",
    )
    diabetic = forms.BooleanField(label="Diabetic", required=False)
    could_be_pregnant = forms.BooleanField(label="Could be pregnant", required=False)
    contrast_allergy = forms.BooleanField(label="Allergic to contrast", required=False)

    FLAGS = ("diabetic", "could_be_pregnant", "contrast_allergy")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("preferred_channel")
        # "SMS needs a phone" is the model's rule: the service refuses it, beside the field.
        if (
            channel == Patient.Channel.EMAIL
            and not data.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", "Email reminders need an email address.")
        return data

    def details(self) -> list[forms.BoundField]:
        return [self[name] for name in ("mrn", "first_name", "last_name", "birth_date")]

    def contact(self) -> list[forms.BoundField]:
        return [self["phone"], self["email"]]

    def flags(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FLAGS]


@role_required(REGISTERING)
def patient_new(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = acting_user(request)
        try:
            patient = services.patient_create(acting_user=user, **form.cleaned_data)
        except ValidationError as refusal:
            # The service's own words (a duplicate MRN), beside the field they are about.
            form.add_error(None, refusal)
        else:
            messages.success(request, f"{patient.full_name} is registered (MRN {patient.mrn}).")
            return redirect("patient", pk=patient.pk)
    return render_page(request, "scheduling/patients/new.html", {"form": form})


@role_required(ALL_ROLES)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.select_related("payer"), pk=pk)
    shown(request, [patient])
    context: dict[str, Any] = {
        "record": patient_record(patient),
        # Nurses and managers complete an outside procedure's relief (how long it lasted).
        "can_edit_history": bool(roles_of(request.user) & NURSING),
        "can_edit_details": bool(roles_of(request.user) & SCHEDULING),
    }
    context["waitlist"] = waitlist_selectors.entries(patient=patient)
    if roles_of(request.user) & MANAGERS:
        context["who_looked"] = who_looked(patient.pk)
    return render_page(request, "scheduling/patients/detail.html", context)


urlpatterns = [
    path("patients/", patient_list, name="patients"),
    path("patients/new/", patient_new, name="patient-new"),
    path("patients/<int:pk>/", patient_detail, name="patient"),
]
