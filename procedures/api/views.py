"""Thin views over the catalog and a patient's clinical facts (history, psych evaluations)."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import showing
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient
from clinic.permissions import ALL_ROLES, NURSING, acting_user
from procedures import selectors, services
from procedures.api.serializers import (
    DrugSerializer,
    HistoryEditSerializer,
    HistoryInputSerializer,
    HistorySerializer,
    ProcedureTypeSerializer,
    PsychEvaluationInputSerializer,
    PsychEvaluationSerializer,
)
from procedures.models import ProcedureHistory


@extend_schema(tags=["reference data"], summary="The procedure catalog")
class ProcedureTypeList(generics.ListAPIView):
    serializer_class = ProcedureTypeSerializer
    allowed_roles = ALL_ROLES

    def get_queryset(self) -> Any:
        return selectors.procedure_types_active().select_related("equipment_kind")

    @extend_schema(responses={200: ProcedureTypeSerializer(many=True), **AUTH_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["reference data"], summary="Drugs and their hold table")
class DrugList(generics.ListAPIView):
    serializer_class = DrugSerializer
    allowed_roles = ALL_ROLES

    def get_queryset(self) -> Any:
        return selectors.drugs_with_holds()

    @extend_schema(responses={200: DrugSerializer(many=True), **AUTH_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["patients"])
class PatientHistoryList(APIView):
    # History carries the relief that clears the next stage: a clinical fact, the nurses'.
    allowed_roles = {"GET": ALL_ROLES, "POST": NURSING}

    @extend_schema(
        summary="Procedures done elsewhere or before this service",
        responses={200: HistorySerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        rows = patient.procedure_history.select_related("procedure_type")
        return showing(request, [patient], HistorySerializer(rows, many=True).data)

    @extend_schema(
        summary="Enter a procedure done elsewhere or earlier; every rule counts it",
        request=HistoryInputSerializer,
        responses={201: HistorySerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        serializer = HistoryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.history_add(
            patient=patient, acting_user=acting_user(request), **serializer.validated_data
        )
        return showing(
            request, [patient], HistorySerializer(entry).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["patients"])
class PatientHistoryEntry(APIView):
    # Whoever may enter history may correct it, or add how long relief lasted when that news
    # comes in later: the same clinical fact.
    allowed_roles = {"PATCH": PatientHistoryList.allowed_roles["POST"]}

    @extend_schema(
        summary="Correct a history entry's relief, or add how long it lasted (audited)",
        description=(
            "Only `relief_percent` and `relief_duration_days` change; send either, or both. "
            "`null` clears a value back to unknown. A duration reaching past today is refused. "
            "An entry of another patient is a 404."
        ),
        request=HistoryEditSerializer,
        responses={200: HistorySerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def patch(self, request: Request, pk: int, entry_id: int) -> Response:
        entry = get_object_or_404(ProcedureHistory, pk=entry_id, patient_id=pk)
        serializer = HistoryEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        edited, _ = services.history_edit(
            entry=entry, acting_user=acting_user(request), **serializer.validated_data
        )
        return showing(request, [edited.patient_id], HistorySerializer(edited).data)


@extend_schema(tags=["patients"])
class PatientPsychEvaluationList(APIView):
    allowed_roles = {"GET": ALL_ROLES, "POST": NURSING}

    @extend_schema(
        summary="Psychological evaluations on file",
        responses={200: PsychEvaluationSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        rows = patient.psych_evaluations.all()
        return showing(request, [patient], PsychEvaluationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Record a psychological evaluation (needed before a stimulator trial)",
        request=PsychEvaluationInputSerializer,
        responses={201: PsychEvaluationSerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        serializer = PsychEvaluationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evaluation = services.psych_evaluation_add(
            patient=patient, acting_user=acting_user(request), **serializer.validated_data
        )
        return showing(
            request,
            [patient],
            PsychEvaluationSerializer(evaluation).data,
            status=status.HTTP_201_CREATED,
        )
