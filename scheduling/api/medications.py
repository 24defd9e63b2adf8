"""A patient's current drugs. Changing them re-plans the holds of every upcoming case."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import showing
from clinic.api.errors import ErrorSerializer
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient
from clinic.permissions import ALL_ROLES, NURSING, acting_user
from procedures import selectors
from procedures.api.serializers import MedicationInputSerializer, MedicationSerializer
from procedures.models import PatientMedication
from scheduling import services


@extend_schema(tags=["patients"])
class PatientMedicationList(APIView):
    # What a patient takes decides the holds before a case: a clinical fact, the nurses'.
    allowed_roles = {"GET": ALL_ROLES, "POST": NURSING}

    @extend_schema(
        summary="The drugs a patient takes now",
        responses={200: MedicationSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        meds = selectors.current_medications(patient)
        return showing(request, [patient], MedicationSerializer(meds, many=True).data)

    @extend_schema(
        summary="Record a drug the patient takes",
        request=MedicationInputSerializer,
        responses={
            201: MedicationSerializer,
            **BAD_INPUT,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="`medication_exists`"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        patient = get_object_or_404(Patient, pk=pk)
        serializer = MedicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        medication = services.medication_add(
            patient=patient,
            drug=serializer.validated_data["drug"],
            acting_user=acting_user(request),
        )
        data = MedicationSerializer(medication).data
        return showing(request, [patient], data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["patients"])
class PatientMedicationDetail(APIView):
    allowed_roles = NURSING

    @extend_schema(
        summary="The patient stopped taking a drug",
        responses={204: None, **AUTH_ERRORS, **NOT_FOUND},
    )
    def delete(self, request: Request, pk: int, medication_id: int) -> Response:
        medication = get_object_or_404(
            PatientMedication, pk=medication_id, patient_id=pk, ended_at__isnull=True
        )
        services.medication_end(medication=medication, acting_user=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
