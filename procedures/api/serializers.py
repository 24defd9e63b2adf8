from __future__ import annotations

from rest_framework import serializers

from clinic.api.serializers import CodeRelatedField
from procedures.models import Drug, HoldRule, PatientMedication, ProcedureType, RegionalBleedingRisk


class RegionalRiskSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionalBleedingRisk
        fields = ["region", "bleeding_risk"]


class ProcedureTypeSerializer(serializers.ModelSerializer):
    cpt_codes = serializers.ListField(child=serializers.CharField())
    regional_bleeding_risks = RegionalRiskSerializer(
        source="regional_risks", many=True, read_only=True
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
            "notes",
        ]


class HoldRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = HoldRule
        fields = ["bleeding_risk", "hold_days", "hold_hours", "inr_required", "restart_hours"]


class DrugSerializer(serializers.ModelSerializer):
    holds = HoldRuleSerializer(source="hold_rules", many=True, read_only=True)

    class Meta:
        model = Drug
        fields = ["code", "name", "drug_class", "notes", "holds"]


class MedicationInputSerializer(serializers.Serializer):
    drug = CodeRelatedField(
        slug_field="code", queryset=Drug.objects.all(), help_text="Drug code, e.g. `warfarin`."
    )


class MedicationSerializer(serializers.ModelSerializer):
    drug = serializers.SlugRelatedField(slug_field="code", read_only=True)
    drug_name = serializers.CharField(source="drug.name", read_only=True)

    class Meta:
        model = PatientMedication
        fields = ["id", "patient", "drug", "drug_name", "added_at", "ended_at"]
