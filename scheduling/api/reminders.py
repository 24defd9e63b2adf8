"""Reminders through the API: per appointment, and the failed ones for managers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import patients_in, showing
from clinic.api.fields import ClinicModelSerializer, QuerySerializer
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.permissions import ALL_ROLES, MANAGERS
from scheduling.api.views import appointment_or_404
from scheduling.models import Reminder, ReminderKind, ReminderStatus


class ReminderSerializer(ClinicModelSerializer):
    class Meta:
        model = Reminder
        fields = [
            "id",
            "kind",
            "due_at",
            "status",
            "channel",
            "appointment",
            "patient",
            "attempts",
            "last_error",
            "sent_at",
        ]


class ReminderQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=ReminderStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ReminderKind.choices, required=False)


@extend_schema(tags=["reminders"])
class AppointmentReminders(APIView):
    allowed_roles = ALL_ROLES

    @extend_schema(
        summary="The reminders of a case: kind, due time, status and channel",
        responses={200: ReminderSerializer(many=True), **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        appointment = appointment_or_404(pk)
        rows = appointment.reminders.order_by("due_at", "id")
        return showing(request, [appointment.patient_id], ReminderSerializer(rows, many=True).data)


@extend_schema(tags=["reminders"])
class ReminderList(APIView):
    allowed_roles = MANAGERS

    @extend_schema(
        summary="Reminders by status (e.g. `failed`, with the channel's error), newest due first",
        parameters=[ReminderQuerySerializer],
        responses={200: ReminderSerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        params = ReminderQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        reminders = Reminder.objects.order_by("-due_at", "-id")
        if params.validated_data.get("status"):
            reminders = reminders.filter(status=params.validated_data["status"])
        if params.validated_data.get("kind"):
            reminders = reminders.filter(kind=params.validated_data["kind"])
        rows = ReminderSerializer(reminders[:500], many=True).data
        return showing(request, patients_in(rows), rows)
