"""Thin views: parse, call a service, render."""

from __future__ import annotations

from copy import copy
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from clinic import audit, selectors, services
from clinic.api.audited import patients_in
from clinic.api.errors import ErrorSerializer
from clinic.api.fields import QuerySerializer
from clinic.api.serializers import (
    EquipmentSerializer,
    PatientSerializer,
    ProviderSerializer,
    RoomSerializer,
)
from clinic.equipment import equipment_create
from clinic.models import Equipment, Patient
from clinic.permissions import (
    ALL_ROLES,
    MANAGERS,
    SCHEDULING,
    acting_user,
    patient_change_refusal,
)
from clinic.read_audit import shown
from clinic.roles import roles_of

AUTH_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No or bad credentials."),
    403: OpenApiResponse(ErrorSerializer, description="Your role may not do this."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, description="No such record.")}
BAD_INPUT = {400: OpenApiResponse(description="Field errors, in DRF's usual shape.")}


class PatientSearchQuery(QuerySerializer):
    # A plain string: DRF refuses NUL characters, which PostgreSQL cannot hold in a query.
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="MRN, or start of a name"
    )


class CreateViaServiceMixin:
    """POST: validate with the serializer, create through a service, answer 201."""

    create_service: Any = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        instance = type(self).create_service(
            acting_user=acting_user(request), **serializer.validated_data
        )
        output = self.get_serializer(instance)  # type: ignore[attr-defined]
        return Response(output.data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["patients"])
class PatientListCreate(CreateViaServiceMixin, generics.ListCreateAPIView):
    serializer_class = PatientSerializer
    # A scheduler registers a patient, clinical flags included, as the referral gives them.
    allowed_roles = {"GET": ALL_ROLES, "POST": SCHEDULING}
    create_service = services.patient_create

    def get_queryset(self) -> Any:
        query = PatientSearchQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.patient_search(query.validated_data.get("q", ""))[:50]

    @extend_schema(
        summary="Find patients by MRN or name prefix (at most 50)",
        parameters=[PatientSearchQuery],
        responses={200: PatientSerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        shown(request, patients_in(response.data, key="id"))
        return response

    @extend_schema(
        summary="Register a patient (schedulers and managers)",
        responses={201: PatientSerializer, **BAD_INPUT, **AUTH_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().post(request, *args, **kwargs)
        shown(request, [response.data["id"]])
        return response


@extend_schema(tags=["patients"])
class PatientDetail(generics.RetrieveUpdateAPIView):
    serializer_class = PatientSerializer
    queryset = Patient.objects.select_related("payer")
    # Every role corrects a record, each its own fields: see `patch`.
    allowed_roles = ALL_ROLES
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        summary="A patient", responses={200: PatientSerializer, **AUTH_ERRORS, **NOT_FOUND}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        shown(request, [response.data["id"]])
        return response

    @extend_schema(
        summary="Correct a patient's details (audited)",
        description=(
            "Clinical flags (`diabetic`, `could_be_pregnant`, `contrast_allergy`) are changed "
            "by nurses and managers, everything else by schedulers and managers; a change "
            "outside your role is refused with 403 `permission_denied` naming the fields."
        ),
        responses={200: PatientSerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        patient = self.get_object()
        serializer = self.get_serializer(patient, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        refusal = patient_change_refusal(roles_of(request.user), changed_fields(patient, fields))
        if refusal:
            raise exceptions.PermissionDenied(refusal)
        updated = services.patient_update(
            patient=patient, acting_user=acting_user(request), **fields
        )
        shown(request, [updated])
        return Response(self.get_serializer(updated).data)


def changed_fields(patient: Patient, fields: dict[str, Any]) -> list[str]:
    """The fields these values would change: sending a value unchanged changes nothing, so a
    client that sends the whole record back is judged on what it really changes."""
    proposed = copy(patient)
    for name, value in fields.items():
        setattr(proposed, name, value)
    names = list(fields)
    return list(audit.diff(audit.snapshot(patient, names), audit.snapshot(proposed, names)))


@extend_schema(tags=["people and places"])
class ProviderListCreate(CreateViaServiceMixin, generics.ListCreateAPIView):
    serializer_class = ProviderSerializer
    allowed_roles = {"GET": ALL_ROLES, "POST": MANAGERS}
    create_service = services.provider_create

    def get_queryset(self) -> Any:
        return selectors.providers_active()

    @extend_schema(
        summary="Active providers", responses={200: ProviderSerializer(many=True), **AUTH_ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a provider (managers)",
        responses={201: ProviderSerializer, **BAD_INPUT, **AUTH_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["people and places"])
class RoomListCreate(CreateViaServiceMixin, generics.ListCreateAPIView):
    serializer_class = RoomSerializer
    allowed_roles = {"GET": ALL_ROLES, "POST": MANAGERS}
    create_service = services.room_create

    def get_queryset(self) -> Any:
        return selectors.rooms_active()

    @extend_schema(
        summary="Active rooms", responses={200: RoomSerializer(many=True), **AUTH_ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a room (managers)",
        responses={201: RoomSerializer, **BAD_INPUT, **AUTH_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["people and places"])
class EquipmentListCreate(CreateViaServiceMixin, generics.ListCreateAPIView):
    """Shared equipment: a case whose procedure needs a kind takes a free unit of it at its
    room's site for the length of the case."""

    serializer_class = EquipmentSerializer
    allowed_roles = {"GET": ALL_ROLES, "POST": MANAGERS}
    create_service = equipment_create

    def get_queryset(self) -> Any:
        return Equipment.objects.select_related("kind", "site")

    @extend_schema(
        summary="Shared equipment (RF generators, portable C-arms), in use or not",
        responses={200: EquipmentSerializer(many=True), **AUTH_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a unit of shared equipment (managers)",
        responses={201: EquipmentSerializer, **BAD_INPUT, **AUTH_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
