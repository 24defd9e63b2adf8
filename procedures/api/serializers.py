from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from clinic.api.fields import ClinicDateField, ClinicModelSerializer
from clinic.api.serializers import CodeRelatedField
from clinic.models import EquipmentKind
from procedures.api.fields import LevelsField, check_levels_in_region
from procedures.choices import Region, Side
from procedures.models import (
    Drug,
    HoldRule,
    PatientMedication,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
    RegionalBleedingRisk,
)
from procedures.models.history import RELIEF_DURATION_MAX_DAYS


class RegionalRiskSerializer(ClinicModelSerializer):
    class Meta:
        model = RegionalBleedingRisk
        fields = ["region", "bleeding_risk"]


class ProcedureTypeSerializer(ClinicModelSerializer):
    cpt_codes = serializers.ListField(child=serializers.CharField())
    regional_bleeding_risks = RegionalRiskSerializer(
        source="regional_risks", many=True, read_only=True
    )
    equipment_kind: serializers.SlugRelatedField[EquipmentKind] = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Shared equipment a case needs (`rf_generator`, `c_arm`); null: none.",
    )

    class Meta:
        model = ProcedureType
        fields = [
            "code",
            "name",
            "cpt_codes",
            "duration_minutes",
            "family",
            "bleeding_risk",
            "regional_bleeding_risks",
            "diagnostic",
            "requires_fluoroscopy",
            "uses_contrast",
            "steroid",
            "sedation",
            "prior_auth_required",
            "equipment_kind",
            "notes",
        ]


class HoldRuleSerializer(ClinicModelSerializer):
    class Meta:
        model = HoldRule
        fields = [
            "bleeding_risk",
            "hold_days",
            "hold_hours",
            "inr_required",
            "restart_hours",
            "prescriber_decides",
        ]


class DrugSerializer(ClinicModelSerializer):
    holds = HoldRuleSerializer(source="hold_rules", many=True, read_only=True)

    class Meta:
        model = Drug
        fields = ["code", "name", "drug_class", "notes", "holds"]


class MedicationInputSerializer(serializers.Serializer):
    drug = CodeRelatedField(
        slug_field="code", queryset=Drug.objects.all(), help_text="Drug code, e.g. `warfarin`."
    )


class MedicationSerializer(ClinicModelSerializer):
    drug: serializers.SlugRelatedField[Drug] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    drug_name = serializers.CharField(source="drug.name", read_only=True)

    class Meta:
        model = PatientMedication
        fields = ["id", "patient", "drug", "drug_name", "added_at", "ended_at"]


def relief_percent_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Relief measured after the procedure, 0-100; null if not known.",
    )


def relief_duration_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0,
        max_value=RELIEF_DURATION_MAX_DAYS,
        required=False,
        allow_null=True,
        help_text="How long relief of at least 50% lasted, in days (at most the days since "
        "the procedure); null if not known, which the repeat rules treat as not yet proved.",
    )


class HistoryInputSerializer(serializers.Serializer):
    procedure_type = CodeRelatedField(
        slug_field="code", queryset=ProcedureType.objects.all(), help_text="Procedure code."
    )
    region = serializers.ChoiceField(choices=Region.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    performed_on = ClinicDateField()
    levels = LevelsField()
    relief_percent = relief_percent_field()
    relief_duration_days = relief_duration_field()
    notes = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")

    def validate_performed_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError("History is for procedures already done.")
        return value

    def validate(self, attrs: dict) -> dict:
        return check_levels_in_region(attrs)


class HistorySerializer(ClinicModelSerializer):
    procedure_type: serializers.SlugRelatedField[ProcedureType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = ProcedureHistory
        fields = [
            "id",
            "patient",
            "procedure_type",
            "region",
            "side",
            "performed_on",
            "levels",
            "relief_percent",
            "relief_duration_days",
            "notes",
            "entered_at",
        ]


class HistoryEditSerializer(serializers.Serializer):
    """What a history entry's PATCH may change: the outcome, learned or corrected later.

    The procedure itself (type, region, side, date) is not edited: a wrong one is a
    different procedure, entered anew.
    """

    relief_percent = relief_percent_field()
    relief_duration_days = relief_duration_field()
    levels = LevelsField(help_text="The levels treated, when learned later.")


class PsychEvaluationInputSerializer(serializers.Serializer):
    performed_on = ClinicDateField()
    cleared = serializers.BooleanField()
    notes = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")

    def validate_performed_on(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError("An evaluation cannot be in the future.")
        return value


class PsychEvaluationSerializer(ClinicModelSerializer):
    class Meta:
        model = PsychEvaluation
        fields = ["id", "patient", "performed_on", "cleared", "notes", "entered_at"]
