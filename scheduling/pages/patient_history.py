"""A history entry's relief, corrected or completed by a nurse: often a clinic learns how long
an outside procedure helped only at a later visit, and a repeat waits for that (DOMAIN.md,
"relief that lasts"). The same service as `PATCH /api/patients/{id}/history/{entry_id}/`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path

from clinic.permissions import NURSING
from clinic.read_audit import shown
from procedures import services as procedure_services
from procedures.models import ProcedureHistory
from scheduling.pages.common import acting_user, render_page, role_required


class HistoryReliefForm(forms.Form):
    relief_percent = forms.IntegerField(
        label="Relief (%)",
        required=False,
        min_value=0,
        max_value=100,
        help_text="How much of the usual pain it took away, 0-100. Empty: not known.",
    )
    relief_duration_days = forms.IntegerField(
        label="Relief lasted (days)",
        required=False,
        min_value=0,
        max_value=3650,
        help_text="How many days relief of at least 50% lasted. Empty: not known yet.",
    )


def _saved_message(changed: dict[str, list[Any]]) -> str:
    if not changed:
        return "Nothing changed: the entry already said that."
    words = {"relief_percent": "relief", "relief_duration_days": "how long it lasted"}
    return "Saved " + " and ".join(words.get(name, name) for name in changed) + "."


@role_required(NURSING)
def history_entry(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(
        ProcedureHistory.objects.select_related("patient", "procedure_type"),
        pk=entry_id,
        patient_id=pk,
    )
    shown(request, [entry.patient_id])
    initial = {
        "relief_percent": entry.relief_percent,
        "relief_duration_days": entry.relief_duration_days,
    }
    form = HistoryReliefForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            edit = procedure_services.history_edit(
                entry=entry, acting_user=acting_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _saved_message(edit.changed))
            return redirect("patient", pk=pk)
    return render_page(
        request, "scheduling/patients/history_entry.html", {"entry": entry, "form": form}
    )


urlpatterns = [
    path(
        "patients/<int:pk>/history/<int:entry_id>/",
        history_entry,
        name="patient-history-entry",
    ),
]
