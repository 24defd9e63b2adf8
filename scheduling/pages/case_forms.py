"""The forms of the case page and its reschedule and cancel pages.

They check only the shape of what was typed (a number in range, a reason written); every
rule about the case is the service's, and its refusal is shown in its own words.
"""

from __future__ import annotations

from typing import Any

from django import forms

from clinic.models import Provider, Room
from clinic.selectors import providers_active, rooms_active
from procedures.models import ProcedureType
from scheduling.availability import room_suits
from scheduling.models import CancelCause
from scheduling.pages.fields import ClinicDateField, ClinicDateTimeField

# What a datetime-local field sends: the clinic's wall clock, read in the clinic's zone
# (TIME_ZONE is the clinic's), to the minute.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"
REASON_MAX = 500  # as the API's serializers


class ProviderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class RoomChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _rooms_for(procedure_type: ProcedureType) -> Any:
    suitable = [room.pk for room in rooms_active() if room_suits(room, procedure_type)]
    return Room.objects.filter(pk__in=suitable).select_related("site")


class SlotSearchForm(forms.Form):
    """`?from=&provider=&room=` on the reschedule page."""

    from_date = ClinicDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    provider = ProviderChoice(
        label="Search with provider",
        queryset=Provider.objects.none(),
        required=False,
        empty_label="Any",
    )
    room = RoomChoice(
        label="Search in room", queryset=Room.objects.none(), required=False, empty_label="Any"
    )

    def __init__(self, *args: Any, procedure_type: ProcedureType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_active()  # type: ignore[attr-defined]
        self.fields["room"].queryset = _rooms_for(procedure_type)  # type: ignore[attr-defined]

    def add_prefix(self, field_name: str) -> str:
        # `from` is the query parameter (PAGES.md speaks of `?from=`), a keyword in Python.
        return "from" if field_name == "from_date" else super().add_prefix(field_name)


class MoveForm(forms.Form):
    """A new time (and provider or room): from a slot's button or typed by hand."""

    start = ClinicDateTimeField(
        label="New date and time",
        input_formats=[LOCAL_MINUTE, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 900}, format=LOCAL_MINUTE
        ),
        error_messages={
            "required": "Choose the new date and time.",
            "invalid": "Enter a date and a time, e.g. 2026-11-25 09:30.",
        },
    )
    provider = ProviderChoice(
        label="With provider",
        queryset=Provider.objects.none(),
        required=False,
        empty_label=None,
    )
    room = RoomChoice(
        label="In room", queryset=Room.objects.none(), required=False, empty_label=None
    )

    def __init__(self, *args: Any, procedure_type: ProcedureType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers_active()  # type: ignore[attr-defined]
        self.fields["room"].queryset = _rooms_for(procedure_type)  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    cause = forms.ChoiceField(
        label="Cause",
        choices=CancelCause.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the cause from the list."},
    )
    reason = forms.CharField(
        label="Reason, in a few words",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happened, for the team and the patient's record.",
        error_messages={"required": "Write the reason for cancelling."},
    )


class OverrideForm(forms.Form):
    """Check in although required items are open: only with a reason written down."""

    override_reason = forms.CharField(
        label="Why check in with these items open?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Recorded with your name; managers review every override.",
        error_messages={"required": "Write why the patient is checked in with items open."},
    )


class OutcomeForm(forms.Form):
    """Relief in percent, or pain before and after on 0-10 (the API's OutcomeSerializer)."""

    relief_percent = forms.IntegerField(
        label="Relief (%)",
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pain_before = forms.IntegerField(
        label="Pain before (1-10)",
        min_value=1,
        max_value=10,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    pain_after = forms.IntegerField(
        label="Pain after (0-10)",
        min_value=0,
        max_value=10,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        relief = data.get("relief_percent")
        scores = [data.get("pain_before"), data.get("pain_after")]
        if self.errors:
            return data
        if relief is not None and any(s is not None for s in scores):
            raise forms.ValidationError("Enter the relief in percent or the pain scores, not both.")
        if relief is None and None in scores:
            raise forms.ValidationError(
                "Enter the relief in percent, or both pain scores (before and after)."
            )
        return data

    def service_arguments(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class TickForm(forms.Form):
    """One checklist item's save: tick or untick, the value typed, and the version read.

    The version is the item's as the page showed it: the service refuses the save when
    someone has changed the item since, rather than overwrite their change unseen.
    """

    done = forms.TypedChoiceField(
        choices=[("1", "Tick"), ("0", "Untick")], coerce=lambda v: v == "1", empty_value=None
    )
    value = forms.CharField(max_length=120, required=False, strip=True)
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class FollowUpForm(OutcomeForm):
    """Relief on a later day than the case: the day, then relief or pain scores, as the API's
    FollowUpInSerializer. The labels differ from the outcome form's beside it on the page."""

    assessed_on = ClinicDateField(
        label="Day assessed",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the day the relief was assessed."},
    )
    field_order = ["assessed_on", "relief_percent", "pain_before", "pain_after"]
    prefix = "follow_up"  # the outcome form's fields share the page

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relief_percent"].label = "Relief on that day (%)"
        self.fields["pain_before"].label = "Pain before the case (1-10)"
        self.fields["pain_after"].label = "Pain on that day (0-10)"
