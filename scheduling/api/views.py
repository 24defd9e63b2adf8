"""Thin views over slot search and the appointment services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import patients_in, showing
from clinic.api.errors import ErrorSerializer, RefusalSerializer
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient
from clinic.permissions import ALL_ROLES, NURSING, SCHEDULING, acting_user
from procedures import versioned
from scheduling import selectors, services
from scheduling.api.serializers import (
    AppointmentListQuerySerializer,
    AppointmentSerializer,
    BookSerializer,
    CancelSerializer,
    CheckInSerializer,
    FollowUpInSerializer,
    FollowUpSerializer,
    OutcomeSerializer,
    RescheduleSerializer,
    SlotQuerySerializer,
    SlotSerializer,
    missing_patient,
)
from scheduling.models import Appointment
from scheduling.slots import SlotQuery, find_slots


def _refusal(description: str) -> OpenApiResponse:
    return OpenApiResponse(RefusalSerializer, description=description)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


PLACE_ERRORS = {
    409: _error(
        "`slot_unavailable`: provider, room (turnover included), patient or every unit of "
        'the shared equipment the procedure needs (`"resource": "equipment"`) is busy.'
    ),
    422: _refusal(
        "`not_eligible` (with every violation), `outside_hours`, `room_unsuitable`, "
        "`start_in_past` or `beyond_horizon` (further ahead than BOOKING_HORIZON_MONTHS)."
    ),
}
TRANSITION_ERROR = {409: _error("`invalid_transition`: not allowed from the current status.")}


def appointment_or_404(pk: int) -> Appointment:
    return get_object_or_404(selectors.appointments_with_context(), pk=pk)


def _render(request: Request, appointment: Appointment, code: int = status.HTTP_200_OK) -> Response:
    """The case as it is now; the answer shows its patient (read audit)."""
    fresh = selectors.appointments_with_context().get(pk=appointment.pk)
    return showing(request, [fresh.patient_id], AppointmentSerializer(fresh).data, status=code)


@extend_schema(tags=["slots"])
class SlotSearch(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="The next free slots for a procedure, earliest first",
        description=(
            "Slots lie in working hours, in a room fit for the procedure, free for provider, "
            "room (turnover included) and patient. With `patient`, only times a booking would "
            "accept for that patient."
        ),
        parameters=[SlotQuerySerializer],
        responses={
            200: SlotSerializer(many=True),
            **BAD_INPUT,
            **AUTH_ERRORS,
            422: _error("`room_unsuitable`"),
        },
    )
    def get(self, request: Request) -> Response:
        params = SlotQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        query = SlotQuery(
            procedure_type=data["procedure_type"],
            after=data.get("after") or timezone.now(),
            limit=data["limit"],
            days=data["days"],
            patient=data.get("patient"),
            region=data.get("region"),
            side=data.get("side"),
            provider=data.get("provider"),
            room=data.get("room"),
            levels=tuple(data.get("levels", ())),
        )
        # Free times for a named patient tell about that patient's calendar; without one,
        # the search shows no patient (it reads other cases only to find busy times).
        return showing(request, [query.patient], SlotSerializer(find_slots(query), many=True).data)


@extend_schema(tags=["appointments"])
class AppointmentListCreate(APIView):
    allowed_roles = {"GET": ALL_ROLES, "POST": SCHEDULING}

    @extend_schema(
        summary="Appointments by date, provider, room, patient or status",
        parameters=[AppointmentListQuerySerializer],
        responses={200: AppointmentSerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = AppointmentListQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        appointments = selectors.appointment_list(
            on_date=data.get("date"),
            provider_id=data.get("provider"),
            room_id=data.get("room"),
            patient_id=data.get("patient"),
            status=data.get("status"),
        )
        rows = AppointmentSerializer(appointments[:500], many=True).data
        return showing(request, patients_in(rows), rows)

    @extend_schema(
        summary="Book a case",
        request=BookSerializer,
        responses={201: AppointmentSerializer, **BAD_INPUT, **AUTH_ERRORS, **PLACE_ERRORS},
    )
    def post(self, request: Request) -> Response:
        # One reading of the rules version for the catalog, the rules and the calendar.
        with versioned.one_reading():
            serializer = BookSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                appointment = services.appointment_book(
                    acting_user=acting_user(request), **serializer.validated_data
                )
            except Patient.DoesNotExist as exc:
                raise missing_patient(serializer.validated_data["patient"]) from exc
        # The case as booking left it in memory, its holds included: nothing to read back.
        data = AppointmentSerializer(appointment).data
        return showing(request, [appointment.patient_id], data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["appointments"])
class AppointmentDetail(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="An appointment", responses={200: AppointmentSerializer, **AUTH_ERRORS, **NOT_FOUND}
    )
    def get(self, request: Request, pk: int) -> Response:
        return _render(request, appointment_or_404(pk))


class AppointmentAction(APIView):
    """`POST /api/appointments/{id}/<action>/`: parse the body, call one service, render."""

    input_serializer: type[serializers.Serializer] | None = None
    service: Callable[..., Appointment]

    def post(self, request: Request, pk: int) -> Response:
        appointment = appointment_or_404(pk)
        data: dict[str, Any] = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        changed = self.service(appointment=appointment, acting_user=acting_user(request), **data)
        return _render(request, changed)


def _action(summary: str, body: type[serializers.Serializer] | None, conflict: dict) -> Any:
    """The OpenAPI description of an action: its body and every answer it can give."""
    responses = {200: AppointmentSerializer, **AUTH_ERRORS, **NOT_FOUND, **conflict}
    if body is not None:
        responses.update(BAD_INPUT)
    return extend_schema_view(
        post=extend_schema(
            tags=["appointments"], summary=summary, request=body, responses=responses
        )
    )


@_action(
    "Move a scheduled case; every rule is checked again",
    RescheduleSerializer,
    {
        **PLACE_ERRORS,
        409: _error("`slot_unavailable`, or `invalid_transition` unless scheduled."),
    },
)
class AppointmentReschedule(AppointmentAction):
    allowed_roles = SCHEDULING
    input_serializer = RescheduleSerializer
    service = staticmethod(services.appointment_reschedule)


@_action(
    "Cancel a case, with a reason; its pending reminders are cancelled",
    CancelSerializer,
    TRANSITION_ERROR,
)
class AppointmentCancel(AppointmentAction):
    allowed_roles = SCHEDULING
    input_serializer = CancelSerializer
    service = staticmethod(services.appointment_cancel)


@_action(
    "Check the patient in (on the day of the case); open required checklist items refuse it "
    "(`checklist_incomplete`) unless an override reason is given",
    CheckInSerializer,
    {409: _error("`invalid_transition`, or `checklist_incomplete` with the open items.")},
)
class AppointmentCheckIn(AppointmentAction):
    allowed_roles = NURSING
    input_serializer = CheckInSerializer
    service = staticmethod(services.appointment_check_in)


@_action("Mark a checked-in case completed", None, TRANSITION_ERROR)
class AppointmentComplete(AppointmentAction):
    allowed_roles = NURSING
    service = staticmethod(services.appointment_complete)


@_action("Mark a scheduled case as a no-show (once its start has passed)", None, TRANSITION_ERROR)
class AppointmentNoShow(AppointmentAction):
    allowed_roles = ALL_ROLES
    service = staticmethod(services.appointment_no_show)


@_action(
    "Record relief: a percentage, or pain before and after on 0-10",
    OutcomeSerializer,
    {409: _error("`invalid_transition`: only once the case is completed.")},
)
class AppointmentOutcome(AppointmentAction):
    allowed_roles = NURSING
    input_serializer = OutcomeSerializer
    service = staticmethod(services.appointment_record_outcome)


@extend_schema(tags=["appointments"])
class AppointmentFollowUps(APIView):
    """Relief assessed on later days: what proves how long the relief lasted."""

    allowed_roles = {"GET": ALL_ROLES, "POST": NURSING}

    @extend_schema(
        summary="The case's follow-ups, earliest first",
        responses={200: FollowUpSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        appointment = appointment_or_404(pk)
        rows = appointment.follow_ups.select_related("recorded_by")
        return showing(request, [appointment.patient_id], FollowUpSerializer(rows, many=True).data)

    @extend_schema(
        summary="Record relief on a later day: a percentage, or pain before and after on 0-10",
        request=FollowUpInSerializer,
        responses={
            201: FollowUpSerializer,
            **BAD_INPUT,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: _error("`invalid_transition`: only once the case is completed."),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        appointment = appointment_or_404(pk)
        serializer = FollowUpInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow_up = services.appointment_record_follow_up(
            appointment=appointment, acting_user=acting_user(request), **serializer.validated_data
        )
        return showing(
            request,
            [appointment.patient_id],
            FollowUpSerializer(follow_up).data,
            status=status.HTTP_201_CREATED,
        )
