from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.api.fields import (
    MAX_ID,
    ClinicDateField,
    ClinicDateTimeField,
    ClinicModelSerializer,
    IdField,
    QuerySerializer,
    RowField,
)
from clinic.api.serializers import CodeRelatedField
from clinic.models import Equipment, Patient, Provider, Room
from procedures import selectors as procedure_selectors
from procedures.api.fields import LevelsField, check_levels_in_region, sedation_query_field
from procedures.choices import Region, Side
from procedures.models import Drug, ProcedureType
from scheduling.attention import CODES as ATTENTION_CODES
from scheduling.attention import attention_list
from scheduling.models import Appointment, AppointmentHold, CancelCause, FollowUp, Status
from scheduling.selectors import kept_equipment, kept_providers, kept_rooms


class ProcedureCodeField(CodeRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Procedure code, e.g. `MBB`.")
        super().__init__(
            slug_field="code", queryset=ProcedureType.objects.filter(active=True), **kwargs
        )

    def to_internal_value(self, data: Any) -> ProcedureType:
        # The active catalog as this process keeps it: no query per request.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        found = procedure_selectors.active_procedures().get(data)
        if found is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return found


def row_id(field: RowField, data: Any) -> int:
    """The id a row field was given, checked as the database would be asked it, without
    asking: a whole number in the id column's range, else the field's own error."""
    if isinstance(data, bool | float):
        field.fail("incorrect_type", data_type=type(data).__name__)
    try:
        pk = int(data)
    except (TypeError, ValueError):
        field.fail("incorrect_type", data_type=type(data).__name__)
    if not 1 <= pk <= MAX_ID:
        field.fail("does_not_exist", pk_value=data)
    return pk


class KeptRowField(RowField):
    """A room or a provider by id, from the rows this process keeps (`kept`)."""

    def __init__(self, *, kept: Callable[[], dict[int, Any]], **kwargs: Any) -> None:
        self.kept = kept
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        found = self.kept().get(row_id(self, data))
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found


class SlotQuerySerializer(QuerySerializer):
    procedure_type = ProcedureCodeField()
    after = ClinicDateTimeField(required=False, help_text="Default: now.")
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)
    days = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=120, help_text="Window length."
    )
    patient = RowField(queryset=Patient.objects.all(), required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    side = serializers.ChoiceField(choices=Side.choices, required=False)
    provider = RowField(queryset=Provider.objects.all(), required=False)
    room = RowField(queryset=Room.objects.all(), required=False)
    levels = LevelsField(help_text="Spinal levels, e.g. `levels=L4-L5&levels=L5-S1`.")
    sedation = sedation_query_field()

    def validate(self, attrs: dict) -> dict:
        if attrs.get("patient") is not None:
            missing = {
                name: ["Needed with `patient`: the rules depend on where the case is."]
                for name in ("region", "side")
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return check_levels_in_region(attrs)


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    provider = serializers.IntegerField(source="provider.pk")
    provider_name = serializers.CharField(source="provider.name")
    room = serializers.IntegerField(source="room.pk")
    room_name = serializers.CharField(source="room.name")


class PatientToLockField(RowField):
    """A patient by id, not read here: booking reads the row once, as it locks it, and the
    view answers a missing one as this field's error (`missing_patient`)."""

    def to_internal_value(self, data: Any) -> Patient:
        return Patient(pk=row_id(self, data))


def missing_patient(patient: Patient) -> serializers.ValidationError:
    """The error the patient field gives for an id no row has."""
    field = PatientToLockField(queryset=Patient.objects.all())
    message = field.error_messages["does_not_exist"].format(pk_value=patient.pk)
    return serializers.ValidationError({"patient": [message]})


class BookSerializer(serializers.Serializer):
    patient = PatientToLockField(queryset=Patient.objects.all())
    procedure_type = ProcedureCodeField()
    region = serializers.ChoiceField(choices=Region.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    provider = KeptRowField(queryset=Provider.objects.all(), kept=kept_providers)
    room = KeptRowField(queryset=Room.objects.all(), kept=kept_rooms)
    start = ClinicDateTimeField()
    sedation = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Sedation planned for this case; default: the procedure's catalog setting.",
    )
    levels = LevelsField()

    def validate(self, attrs: dict) -> dict:
        return check_levels_in_region(attrs)


class RescheduleSerializer(serializers.Serializer):
    start = ClinicDateTimeField()
    provider = RowField(queryset=Provider.objects.all(), required=False)
    room = RowField(queryset=Room.objects.all(), required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    cause = serializers.ChoiceField(
        choices=CancelCause.choices,
        required=False,
        default=CancelCause.OTHER,
        help_text="Why, from the list (the dashboard counts them); default `other`.",
    )


class CheckInSerializer(serializers.Serializer):
    override_reason = serializers.CharField(max_length=500, required=False, default="")


class OutcomeSerializer(serializers.Serializer):
    relief_percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    pain_before = serializers.IntegerField(min_value=1, max_value=10, required=False)
    pain_after = serializers.IntegerField(min_value=0, max_value=10, required=False)

    def validate(self, attrs: dict) -> dict:
        scores = {"pain_before", "pain_after"} & set(attrs)
        if "relief_percent" in attrs and scores:
            raise serializers.ValidationError(
                {"non_field_errors": ["Give relief_percent or pain scores, not both."]}
            )
        if "relief_percent" not in attrs and len(scores) != 2:
            raise serializers.ValidationError(
                {"non_field_errors": ["Give relief_percent, or both pain_before and pain_after."]}
            )
        return attrs


class FollowUpInSerializer(OutcomeSerializer):
    assessed_on = ClinicDateField(help_text="The day the relief was assessed.")


class FollowUpSerializer(ClinicModelSerializer):
    recorded_by = serializers.CharField(
        source="recorded_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "assessed_on",
            "relief_percent",
            "pain_before",
            "pain_after",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class AppointmentListQuerySerializer(QuerySerializer):
    date = ClinicDateField(required=False)
    provider = IdField(required=False)
    room = IdField(required=False)
    patient = IdField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class HoldSerializer(ClinicModelSerializer):
    drug: serializers.SlugRelatedField[Drug] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    drug_name = serializers.CharField(source="drug.name", read_only=True)

    class Meta:
        model = AppointmentHold
        fields = [
            "drug",
            "drug_name",
            "bleeding_risk",
            "hold_days",
            "hold_hours",
            "last_dose_on",
            "first_day_without",
            "last_dose_at",
            "resume_at",
            "inr_required",
        ]


class AttentionSerializer(serializers.Serializer[dict[str, str]]):
    """Why a booked case needs someone to act: the code booking would refuse it with now."""

    code = serializers.ChoiceField(choices=sorted(ATTENTION_CODES.values()))
    detail = serializers.CharField()


class EquipmentRefSerializer(serializers.Serializer):
    """The unit of shared equipment a case has (an RF generator)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="Kind code, e.g. `rf_generator`.")


def equipment_of(appointment: Appointment) -> dict[str, Any] | None:
    """The case's unit as the answer shows it: from the row loaded with the case (a list's
    join, or what booking assigned), else from the units the process keeps: no query per case."""
    if appointment.equipment_id is None:
        return None
    unit: Equipment | None
    if Appointment.equipment.is_cached(appointment):  # type: ignore[attr-defined]
        unit = appointment.equipment
    else:
        unit = kept_equipment().get(appointment.equipment_id)
    if unit is None:
        return None
    return {"id": unit.pk, "name": unit.name, "kind": unit.kind.code}


class AppointmentSerializer(ClinicModelSerializer):
    holds = HoldSerializer(many=True, read_only=True)
    procedure_type: serializers.SlugRelatedField[ProcedureType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    procedure_name = serializers.CharField(source="procedure_type.name", read_only=True)
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True)
    # Blank until the case is cancelled.
    cancel_cause = serializers.ChoiceField(
        choices=CancelCause.choices, allow_blank=True, read_only=True
    )
    attention = serializers.SerializerMethodField()
    equipment = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "status",
            "patient",
            "patient_name",
            "procedure_type",
            "procedure_name",
            "region",
            "side",
            "provider",
            "provider_name",
            "room",
            "room_name",
            "equipment",
            "start",
            "end",
            "sedation",
            "levels",
            "cancel_reason",
            "cancel_cause",
            "check_in_override_reason",
            "checked_in_at",
            "completed_at",
            "cancelled_at",
            "no_show_at",
            "relief_percent",
            "pain_before",
            "pain_after",
            "outcome_recorded_at",
            "holds",
            "attention",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EquipmentRefSerializer(allow_null=True))
    def get_equipment(self, appointment: Appointment) -> dict[str, Any] | None:
        return equipment_of(appointment)

    @extend_schema_field(AttentionSerializer(many=True))
    def get_attention(self, appointment: Appointment) -> list[dict[str, str]]:
        return attention_list(appointment)
