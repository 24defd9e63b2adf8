"""The nurses' side: checklists, prior authorizations and the worklist."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import patients_in, showing
from clinic.api.errors import ErrorSerializer
from clinic.api.fields import ClinicModelSerializer, QuerySerializer
from clinic.api.serializers import CodeRelatedField
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient, Payer
from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING, acting_user
from procedures.models import AuthorizationStatus, PriorAuthorization, ProcedureType
from scheduling import selectors, services
from scheduling.api.serializers import AppointmentSerializer, HoldSerializer
from scheduling.api.views import appointment_or_404
from scheduling.models import Appointment, ChecklistItem


class ChecklistItemSerializer(ClinicModelSerializer):
    done_by = serializers.CharField(
        source="done_by.username", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "code",
            "label",
            "required",
            "done",
            "value",
            "done_at",
            "done_by",
            "version",
        ]


class TickSerializer(serializers.Serializer):
    done = serializers.BooleanField()
    value = serializers.CharField(max_length=120, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The item's `version` as you read it: when someone has changed the item "
        "since, the tick is refused with 409 `edit_conflict` instead of overwriting theirs.",
    )


@extend_schema(tags=["checklists"])
class AppointmentChecklist(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="The pre-procedure checklist of a case",
        responses={200: ChecklistItemSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        appointment = appointment_or_404(pk)
        items = appointment.checklist_items.select_related("done_by")
        return showing(
            request, [appointment.patient_id], ChecklistItemSerializer(items, many=True).data
        )


@extend_schema(tags=["checklists"])
class AppointmentChecklistItem(APIView):
    allowed_roles = NURSING

    @extend_schema(
        summary="Tick or untick an item, with a value where it takes one (INR, glucose...)",
        request=TickSerializer,
        responses={
            200: ChecklistItemSerializer,
            **BAD_INPUT,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_transition` (the case's checklist is closed), or "
                "`edit_conflict`: `version` is older than the item's (someone changed it since).",
            ),
        },
    )
    def patch(self, request: Request, pk: int, item_id: int) -> Response:
        appointment = appointment_or_404(pk)
        item = get_object_or_404(ChecklistItem, pk=item_id, appointment=appointment)
        serializer = TickSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticked = services.checklist_tick(
            appointment=appointment,
            item=item,
            done=serializer.validated_data["done"],
            value=serializer.validated_data.get("value"),
            acting_user=acting_user(request),
            expected_version=serializer.validated_data.get("version"),
        )
        return showing(request, [appointment.patient_id], ChecklistItemSerializer(ticked).data)


class AuthorizationSerializer(ClinicModelSerializer):
    procedure_type = CodeRelatedField(slug_field="code", queryset=ProcedureType.objects.all())
    payer = CodeRelatedField(slug_field="code", queryset=Payer.objects.all())

    class Meta:
        model = PriorAuthorization
        fields = [
            "id",
            "patient",
            "procedure_type",
            "payer",
            "status",
            "number",
            "approved_units",
            "valid_from",
            "valid_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "patient", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        merged = {**(self.to_representation(self.instance) if self.instance else {}), **attrs}
        if merged.get("status") == AuthorizationStatus.APPROVED:
            missing = {
                name: ["Needed for an approved authorization."]
                for name in ("number", "valid_from", "valid_to")
                if not merged.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        start, end = merged.get("valid_from"), merged.get("valid_to")
        if start and end and str(start) > str(end):
            raise serializers.ValidationError({"valid_to": ["Ends before it starts."]})
        return attrs


@extend_schema(tags=["prior authorizations"])
class PatientAuthorizations(APIView):
    allowed_roles = {"GET": ALL_ROLES, "POST": SCHEDULING}

    @extend_schema(
        summary="A patient's prior authorizations",
        responses={200: AuthorizationSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        rows = patient.authorizations.select_related("procedure_type", "payer")
        return showing(request, [patient], AuthorizationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Record a request for authorization (or an answer already received)",
        request=AuthorizationSerializer,
        responses={201: AuthorizationSerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        serializer = AuthorizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.authorization_save(
            patient=patient, acting_user=acting_user(request), **serializer.validated_data
        )
        return showing(
            request, [patient], AuthorizationSerializer(saved).data, status=status.HTTP_201_CREATED
        )


class ExpiringQuerySerializer(QuerySerializer):
    expiring_within = serializers.IntegerField(min_value=0, max_value=365, default=14)


class ExpiringAuthorizationSerializer(AuthorizationSerializer):
    case = serializers.SerializerMethodField()

    class Meta(AuthorizationSerializer.Meta):
        fields = [*AuthorizationSerializer.Meta.fields, "case"]

    def get_case(self, obj: PriorAuthorization) -> dict | None:
        case = getattr(obj, "case_after_expiry", None)
        return {"id": case.pk, "start": case.start} if case else None


@extend_schema(tags=["prior authorizations"])
class AuthorizationList(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="Approved authorizations that expire within N days, before their booked case",
        parameters=[ExpiringQuerySerializer],
        responses={200: ExpiringAuthorizationSerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = ExpiringQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = selectors.authorizations_expiring_before_case(
            within_days=params.validated_data["expiring_within"]
        )
        data = ExpiringAuthorizationSerializer(rows, many=True).data
        return showing(request, patients_in(data), data)


@extend_schema(tags=["prior authorizations"])
class AuthorizationDetail(APIView):
    allowed_roles = SCHEDULING

    @extend_schema(
        summary="Record the payer's answer (status, number, units, validity)",
        request=AuthorizationSerializer,
        responses={200: AuthorizationSerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int) -> Response:
        authorization = get_object_or_404(PriorAuthorization, pk=pk)
        serializer = AuthorizationSerializer(authorization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = services.authorization_save(
            patient=authorization.patient,
            authorization=authorization,
            acting_user=acting_user(request),
            **serializer.validated_data,
        )
        return showing(request, [saved.patient_id], AuthorizationSerializer(saved).data)


class WorklistCaseSerializer(AppointmentSerializer):
    open_items = serializers.SerializerMethodField()
    authorization_missing = serializers.SerializerMethodField()

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "open_items", "authorization_missing"]

    def get_open_items(self, obj: Appointment) -> list[dict]:
        return [
            {"id": i.pk, "code": i.code, "label": i.label, "required": i.required}
            for i in obj.checklist_items.all()
            if not i.done
        ]

    def get_authorization_missing(self, obj: Appointment) -> bool:
        return any(i.code == "prior_auth" and not i.done for i in obj.checklist_items.all())


class HoldStartingSerializer(HoldSerializer):
    appointment = serializers.IntegerField(source="appointment_id")
    patient_name = serializers.CharField(source="appointment.patient.full_name")
    case_start = serializers.DateTimeField(source="appointment.start")

    class Meta(HoldSerializer.Meta):
        fields = [*HoldSerializer.Meta.fields, "appointment", "patient_name", "case_start"]


class WorklistSerializer(serializers.Serializer):
    cases = WorklistCaseSerializer(many=True)
    holds_starting = HoldStartingSerializer(many=True)


@extend_schema(tags=["checklists"])
class Worklist(APIView):
    allowed_roles = NURSING

    @extend_schema(
        summary="Today's and tomorrow's cases with open items and missing authorizations, "
        "and holds whose last dose is within the next two days",
        responses={200: WorklistSerializer, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        cases = selectors.worklist_cases(today, today + dt.timedelta(days=1))
        holds = selectors.holds_starting(today, today + dt.timedelta(days=2))
        data = WorklistSerializer({"cases": cases, "holds_starting": holds}).data
        # A starting hold names its case's patient (`patient_name`); its case may be after
        # tomorrow, so not among `cases`.
        patients = [*patients_in(data["cases"]), *(hold.appointment.patient_id for hold in holds)]
        return showing(request, patients, data)
