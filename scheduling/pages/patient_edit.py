"""A patient's contact, payer and clinical flags, changed after registration.

Schedulers keep the contact details and the payer, nurses the clinical flags, managers both
(as `PATCH /api/patients/{id}/`, through the same service). A change the booked cases depend
on (a flag, the payer, the reminder channel) re-plans them in the same transaction: the
page says how many upcoming cases followed it.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path

from clinic import services
from clinic.models import Patient
from clinic.permissions import ALL_ROLES, CLINICAL_FLAGS, NURSING, SCHEDULING
from clinic.read_audit import shown
from clinic.roles import roles_of
from scheduling.follow import PLANNED_FROM
from scheduling.pages.common import acting_user, render_page, role_required
from scheduling.pages.patients import PatientForm
from scheduling.replan import upcoming

DETAILS = ("phone", "email", "preferred_channel", "payer")


class PatientEditForm(forms.Form):
    """The registration form's own fields (and checks), those the user's roles may change."""

    def __init__(self, *args: Any, roles: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = (DETAILS if roles & SCHEDULING else ()) + (
            CLINICAL_FLAGS if roles & NURSING else ()
        )
        for name in names:
            self.fields[name] = copy.deepcopy(PatientForm.base_fields[name])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The registration form's rule: email reminders need an address.
        if (
            data.get("preferred_channel") == Patient.Channel.EMAIL
            and not data.get("email")
            and "email" in self.fields
            and "email" not in self.errors
        ):
            self.add_error("email", "Email reminders need an email address.")
        return data

    def details(self) -> list[forms.BoundField]:
        return [self[name] for name in DETAILS if name in self.fields]

    def flags(self) -> list[forms.BoundField]:
        return [self[name] for name in CLINICAL_FLAGS if name in self.fields]


def _initial(patient: Patient) -> dict[str, Any]:
    return {
        "phone": patient.phone,
        "email": patient.email,
        "preferred_channel": patient.preferred_channel,
        "payer": patient.payer,
        **{name: getattr(patient, name) for name in CLINICAL_FLAGS},
    }


def _changed(form: PatientEditForm, patient: Patient) -> dict[str, Any]:
    initial = _initial(patient)
    return {name: value for name, value in form.cleaned_data.items() if value != initial.get(name)}


def _saved_message(changed: dict[str, Any], cases: int) -> str:
    if not changed:
        return "Nothing changed: the record already said that."
    words = ", ".join(str(PatientForm.base_fields[name].label).lower() for name in changed)
    sentence = f"Saved: {words}."
    if PLANNED_FROM & set(changed) and cases:
        plural = "s follow" if cases > 1 else " follows"
        sentence += (
            f" {cases} upcoming case{plural} the change: checklist, holds and reminders "
            "updated, with ticks that still apply kept."
        )
    return sentence


@role_required(ALL_ROLES)
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.select_related("payer"), pk=pk)
    shown(request, [patient.pk])
    roles = frozenset(roles_of(request.user))
    # Unticking every flag posts nothing but the token: a POST is bound whatever it holds.
    data = request.POST if request.method == "POST" else None
    form = PatientEditForm(data, initial=_initial(patient), roles=roles)
    if request.method == "POST" and form.is_valid():
        changed = _changed(form, patient)
        try:
            if changed:
                services.patient_update(
                    patient=patient, acting_user=acting_user(request), **changed
                )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            cases = upcoming([patient.pk]).count()
            messages.success(request, _saved_message(changed, cases))
            return redirect("patient", pk=pk)
    return render_page(request, "scheduling/patients/edit.html", {"patient": patient, "form": form})


urlpatterns = [path("patients/<int:pk>/edit/", patient_edit, name="patient-edit")]
