"""Per-patient reads that need both the rules and the calendar: eligibility and pathways."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import showing
from clinic.api.errors import ViolationSerializer
from clinic.api.fields import ClinicDateField, QuerySerializer
from clinic.api.serializers import CodeRelatedField
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient
from clinic.permissions import ALL_ROLES
from procedures.api.fields import LevelsField, check_levels_in_region, sedation_query_field
from procedures.choices import Region, Side
from procedures.models import ProcedureType
from procedures.rules.pathways import pathways
from scheduling.eligibility import PatientRules


class EligibilityQuerySerializer(QuerySerializer):
    procedure_type = CodeRelatedField(slug_field="code", queryset=ProcedureType.objects.all())
    region = serializers.ChoiceField(choices=Region.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    date = ClinicDateField(required=False, help_text="Default: today (clinic time).")
    levels = LevelsField(help_text="Spinal levels, e.g. `levels=L4-L5&levels=L5-S1`.")
    sedation = sedation_query_field()

    def validate(self, attrs: dict) -> dict:
        return check_levels_in_region(attrs)


class EligibilitySerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    eligible_from = serializers.DateField(allow_null=True)
    eligible_at = serializers.DateTimeField(
        required=False,
        help_text="When a rule counting hours from now (an hour-long hold, contrast "
        "premedication) decides `eligible_from`: the first start that works on that day.",
    )
    violations = ViolationSerializer(many=True)
    rule_set = serializers.CharField()


class NextStepSerializer(serializers.Serializer):
    procedure = serializers.CharField()
    # DRF's metaclass moves declared fields off the class, so this does not replace
    # Field.label; the stubs cannot see that.
    label = serializers.CharField()  # type: ignore[assignment]
    allowed = serializers.BooleanField()
    eligible_from = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class PathwaySessionSerializer(serializers.Serializer):
    procedure = serializers.CharField()
    region = serializers.CharField()
    side = serializers.CharField()
    date = serializers.DateField(source="on")
    state = serializers.CharField()
    relief_percent = serializers.IntegerField(source="relief", allow_null=True)


class PathwaySerializer(serializers.Serializer):
    family = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    side = serializers.CharField(allow_null=True)
    summary = serializers.CharField()
    next_step = NextStepSerializer(allow_null=True)
    sessions = PathwaySessionSerializer(many=True)


@extend_schema(tags=["rules"])
class PatientEligibility(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="Would the rules allow this case on this date? If not, why and from when",
        parameters=[EligibilityQuerySerializer],
        responses={200: EligibilitySerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        params = EligibilityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rules = PatientRules.load(patient)
        day = data.get("date") or timezone.localdate()
        decision = rules.decide(
            data["procedure_type"],
            data["region"],
            data["side"],
            day,
            tuple(data.get("levels", ())),
        )
        answer = {
            "allowed": decision.allowed,
            "eligible_from": decision.eligible_from,
            "violations": [v.as_dict() for v in decision.violations],
            "rule_set": rules.rule_set.code,
        }
        if decision.eligible_at is not None:
            answer["eligible_at"] = decision.eligible_at.isoformat()
        return showing(request, [patient], answer)


@extend_schema(tags=["rules"])
class PatientPathways(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="Where the patient stands on each staged pathway, and the next step",
        responses={200: PathwaySerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        rules = PatientRules.load(patient)
        found = pathways(rules.facts, rules.rule_set, rules.today)
        return showing(request, [patient], PathwaySerializer(found, many=True).data)
