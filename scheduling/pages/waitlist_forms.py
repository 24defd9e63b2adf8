"""The waitlist form: the case as the booking search reads it, and a window of dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from clinic.models import Provider
from clinic.selectors import providers_active
from scheduling.pages.booking_forms import CaseForm
from scheduling.pages.fields import ClinicDateField


class ProvidersField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Provider) -> str:
        return obj.name


class WaitlistForm(CaseForm):
    earliest = ClinicDateField(
        label="Earliest date", help_text="The first day the patient could come at short notice."
    )
    latest = ClinicDateField(
        label="Latest date",
        help_text="The last day worth offering: usually the day of the case already booked.",
    )
    preferred_providers = ProvidersField(
        queryset=providers_active(),
        required=False,
        label="Preferred providers",
        help_text="None ticked: any provider.",
    )
    note = forms.CharField(
        required=False,
        max_length=250,
        label="Note for the desk",
        help_text="E.g. mornings only, needs a day's notice for a driver.",
    )

    # The patient's booked case to move earlier, when the form came from its case page.
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The waitlist is for any room and any provider ticked below.
        del self.fields["provider"]
        del self.fields["room"]
        today = timezone.localdate()
        self.fields["earliest"].initial = today
        self.fields["latest"].initial = today + dt.timedelta(days=30)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        earliest, latest = cleaned.get("earliest"), cleaned.get("latest")
        if earliest and latest and latest < earliest:
            self.add_error("latest", "The latest date must be on or after the earliest.")
        return cleaned
