"""The booking pages' forms: the case (procedure, region, side, sedation, where) and the time.

Every form is read from the query string (search, why) or a POST (confirm) and validated
here; the rules and the calendar are the services' and selectors' business, not the forms'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import timezone

from clinic.models import Patient, Provider, Room
from clinic.selectors import providers_active, rooms_active
from procedures import selectors as procedure_selectors
from procedures.choices import Region, Side
from procedures.models import ProcedureType
from procedures.rules.levels import LEVELS, in_spine_order, stray_levels_error
from scheduling.availability import at_local, clinic_zone, local_date
from scheduling.pages.fields import ClinicDateField, check_clinic_date

# How many slots a search shows at first, and at most after "more slots".
FIRST_SLOTS = 12
MOST_SLOTS = 96


def parse_moment(text: str) -> dt.datetime | None:
    """An ISO datetime from a link; a time without an offset is the clinic's clock.

    A link built without encoding turns "+05:00" into " 05:00": put the plus sign back.
    """
    text = text.strip()
    if "\x00" in text:
        return None  # fromisoformat stops at a NUL: "09:00\x00junk" would read as 09:00
    if "T" in text and " " in text:
        text = text.replace(" ", "+")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clinic_zone())
    try:
        # Year 1 at +14:00 is in year 0 on the clinic's clock, and 9999-12-31 at -14:00 in
        # year 10000: no moment the pages can show or search from.
        moment.astimezone(clinic_zone())
        moment.astimezone(dt.UTC)
    except OverflowError:
        return None
    return moment


class MomentField(forms.CharField):
    widget = forms.HiddenInput

    def to_python(self, value: Any) -> dt.datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        moment = parse_moment(text)
        if moment is None:
            raise forms.ValidationError("That is not a date and time.", code="invalid")
        check_clinic_date(moment.date())
        return moment

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat()
        return value


class ProcedureSelect(forms.Select):
    """Each option carries the catalog's sedation default, which booking.js applies on change."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        procedure = getattr(option["value"], "instance", None)
        if isinstance(procedure, ProcedureType):
            option["attrs"]["data-sedation"] = "true" if procedure.sedation else "false"
        return option


class ProcedureField(forms.ModelChoiceField):
    """A procedure by its catalog code, as the API names it ("MBB"); its id is accepted too."""

    def label_from_instance(self, obj: ProcedureType) -> str:
        return f"{obj.code}: {obj.name}"

    def to_python(self, value: Any) -> ProcedureType | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        choices = self.queryset if self.queryset is not None else ProcedureType.objects.none()
        found = choices.filter(code=text).first()
        if found is None and text.isdigit():
            found = choices.filter(pk=int(text)).first()
        if found is None:
            raise forms.ValidationError("Choose a procedure from the list.", code="invalid_choice")
        return found


class ProviderField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Provider) -> str:
        return obj.name


class RoomField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Room) -> str:
        kind = "fluoroscopy suite" if obj.fluoroscopy else "exam room"
        return f"{obj.name} ({kind})"


def _choices(options: Any, blank: str) -> list[tuple[str, str]]:
    return [("", blank), *options.choices]


class LevelsInput(forms.CharField):
    """Spinal levels typed as a scheduler writes them ("L4-L5, L5-S1"), read in spine order."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Levels")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "help_text",
            "The spinal levels, e.g. L4-L5, L5-S1; the level limits apply when given.",
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> tuple[str, ...]:  # type: ignore[override]
        text = super().to_python(value)
        labels = [part.strip().upper() for part in (text or "").replace(";", ",").split(",")]
        labels = [label for label in labels if label]
        unknown = [label for label in labels if label not in LEVELS]
        if unknown:
            raise forms.ValidationError(
                f"Not a spinal level: {', '.join(unknown)}. Write them like L4-L5, C5-C6 or S1.",
                code="invalid",
            )
        return tuple(in_spine_order(labels))

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, tuple | list) else value


@dataclass(frozen=True)
class Case:
    """A case as the forms read it: what, for whom, where (provider and room may be open)."""

    patient: Patient
    procedure_type: ProcedureType
    region: str
    side: str
    sedation: bool
    provider: Provider | None
    room: Room | None
    levels: tuple[str, ...] = ()

    def params(self, **extra: object) -> dict[str, str]:
        """The case as query parameters, for links between the booking pages."""
        values: dict[str, object] = {
            "patient": self.patient.pk,
            "procedure_type": self.procedure_type.code,
            "region": self.region,
            "side": self.side,
            "levels": ", ".join(self.levels) or None,
            "sedation": "on" if self.sedation else None,
            "sedation_for": self.procedure_type.code,
            "provider": self.provider.pk if self.provider else None,
            "room": self.room.pk if self.room else None,
        }
        values.update(extra)
        return {key: str(value) for key, value in values.items() if value is not None}

    def query(self, **extra: object) -> str:
        return urlencode(self.params(**extra))


class CaseForm(forms.Form):
    procedure_type = ProcedureField(
        queryset=procedure_selectors.procedure_types_active(),
        to_field_name="code",
        label="Procedure",
        empty_label="Choose a procedure",
        widget=ProcedureSelect(attrs={"data-sedation-default": ""}),
    )
    region = forms.ChoiceField(choices=_choices(Region, "Choose a region"))
    side = forms.ChoiceField(choices=_choices(Side, "Choose a side"))
    levels = LevelsInput(required=False)
    sedation = forms.BooleanField(
        label="Sedation planned",
        required=False,
        help_text="Ticked when the procedure is usually done under sedation; change it here.",
    )
    # The procedure the sedation box was last set for: a box left from another procedure (or
    # never shown) gives way to the new procedure's catalog default.
    sedation_for = forms.CharField(required=False, widget=forms.HiddenInput)
    provider = ProviderField(
        queryset=providers_active(), required=False, empty_label="Any provider"
    )
    room = RoomField(queryset=rooms_active(), required=False, empty_label="Any room")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if error := stray_levels_error(cleaned.get("region"), cleaned.get("levels") or ()):
            self.add_error("levels", error)
        procedure = cleaned.get("procedure_type")
        if procedure is not None:
            chosen_for = cleaned.get("sedation_for") or ""
            ticked = bool(cleaned.get("sedation"))
            if chosen_for != procedure.code and not (chosen_for == "" and ticked):
                cleaned["sedation"] = procedure.sedation
            # Show the box as it now stands, for this procedure.
            data = QueryDict(mutable=True)
            data.update(self.data)
            data["sedation_for"] = procedure.code
            if cleaned["sedation"]:
                data["sedation"] = "on"
            else:
                data.pop("sedation", None)
            self.data = data
        return cleaned

    def hidden_errors(self) -> list[str]:
        """Errors in a link's hidden parts (a start time, a count): no field to show them by."""
        if not self.is_bound:
            return []
        return [
            f"The link's {field.name}: {error}"
            for field in self.hidden_fields()
            for error in field.errors
        ]

    def case(self, patient: Patient) -> Case:
        data = self.cleaned_data
        return Case(
            patient=patient,
            procedure_type=data["procedure_type"],
            region=data["region"],
            side=data["side"],
            levels=tuple(data.get("levels") or ()),
            sedation=bool(data["sedation"]),
            provider=data.get("provider"),
            room=data.get("room"),
        )


class SearchForm(CaseForm):
    """The slot search: the case, and the day to search from."""

    start = MomentField(required=False)
    limit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # "from" is the parameter's name in links; it cannot be a Python attribute.
        self.fields["from"] = ClinicDateField(
            label="From",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            help_text="The first day to search; today when left empty.",
        )
        self.order_fields(
            ["procedure_type", "region", "side", "levels", "sedation", "provider", "room", "from"]
        )

    def from_day(self) -> dt.date:
        """The first day searched: the form's, the calendar pick's, or today; never the past."""
        today = timezone.localdate()
        chosen = self.cleaned_data.get("from")
        start = self.cleaned_data.get("start")
        if chosen is None:
            chosen = local_date(start) if start else today
        return max(chosen, today)

    def after(self) -> dt.datetime:
        """The moment searched from: the calendar pick when it is on the day searched."""
        day = self.from_day()
        start = self.cleaned_data.get("start")
        if start is not None and local_date(start) == day:
            return start
        return at_local(day, dt.time.min)

    def limit_value(self) -> int:
        """How many slots to show: a link's count, kept within what one page shows."""
        return min(max(self.cleaned_data.get("limit") or FIRST_SLOTS, 1), MOST_SLOTS)


class WhyForm(CaseForm):
    """A time the scheduler picks, to hear every reason it cannot be booked."""

    date = ClinicDateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    time = forms.TimeField(
        widget=forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M"),
        help_text="The clinic's clock.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(
            [
                "procedure_type",
                "region",
                "side",
                "levels",
                "sedation",
                "date",
                "time",
                "provider",
                "room",
            ]
        )

    def start(self) -> dt.datetime:
        return dt.datetime.combine(
            self.cleaned_data["date"], self.cleaned_data["time"], tzinfo=clinic_zone()
        )


def with_start_as_date_and_time(data: QueryDict) -> QueryDict:
    """A `start=` link (the calendar's) fills the why form's date and time fields."""
    moment = parse_moment(data.get("start", ""))
    if moment is None or data.get("date") or data.get("time"):
        return data
    local = moment.astimezone(clinic_zone())
    data = data.copy()
    data["date"] = local.date().isoformat()
    data["time"] = local.strftime("%H:%M")
    return data


class ConfirmForm(CaseForm):
    """One slot, fully placed: what the confirmation step shows and the POST books."""

    start = MomentField()
    # The search the slot was picked from, as a query string: where "back" leads.
    back = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].required = True
        self.fields["room"].required = True
