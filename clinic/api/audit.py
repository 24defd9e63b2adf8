"""`GET /api/audit/?patient=&actor=&kind=&since=`: the audit trail, newest first (managers)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from clinic.api.errors import ErrorSerializer
from clinic.api.fields import IdField, QuerySerializer
from clinic.audit_selectors import naming_patient
from clinic.models import AuditEvent, AuditKind
from clinic.permissions import MANAGERS
from clinic.validators import EARLIEST, LATEST, MAX_ID, OUT_OF_RANGE


class AuditQuery(QuerySerializer):
    patient = IdField(required=False, help_text="Events naming this patient")
    actor = serializers.CharField(required=False, max_length=150, help_text="A username")
    kind = serializers.ChoiceField(choices=AuditKind.choices, required=False)
    since = serializers.CharField(required=False, help_text="A datetime, or a date (from 00:00).")
    # Read by the pagination (NewestFirst); checked here so that junk is a 400, not the default.
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="Events a page (100; at most 1000)"
    )

    def validate_since(self, value: str) -> dt.datetime:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise serializers.ValidationError(
                "Give a date (2026-12-01) or a date and time (2026-12-01T08:00:00-05:00)."
            ) from None
        if not EARLIEST <= moment.date() <= LATEST:
            raise serializers.ValidationError(OUT_OF_RANGE)
        if moment.tzinfo is None:
            # A date, or a time without an offset: the clinic's own clock.
            moment = moment.replace(tzinfo=ZoneInfo(settings.CLINIC_TIME_ZONE))
        return moment


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")
    object = serializers.SerializerMethodField()
    patient = serializers.IntegerField(
        allow_null=True, help_text="The patient, when the event concerns exactly one."
    )
    patients = serializers.ListField(
        child=serializers.IntegerField(), help_text="Every patient the event names."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "at",
            "actor",
            "kind",
            "action",
            "object",
            "patient",
            "patients",
            "ip",
            "changes",
            "reason",
        ]

    def get_object(self, event: AuditEvent) -> str:
        # A read names the path it showed; a write or sign-in the row it touched.
        if event.object_type == "path":
            return event.object_id
        return f"{event.object_type}:{event.object_id}" if event.object_id else event.object_type


class NewestFirst(CursorPagination):
    # Ids grow with time; a cursor, not a page number, so paging a growing table skips nothing.
    ordering = ("-id",)
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 1000

    def decode_cursor(self, request: Request) -> Any:
        # DRF answers a cursor it cannot read with 404; it is a bad parameter, so 400 on it.
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor, readable = None, False
        else:
            # A cursor that decodes can still carry any position; it is compared with ids.
            position = cursor.position if cursor is not None else None
            text = str(position)
            readable = position is None or (text.isdigit() and int(text) <= MAX_ID)
        if not readable:
            raise serializers.ValidationError(
                {"cursor": ["Use the `next` or `previous` link of an earlier page."]}
            )
        return cursor


@extend_schema(tags=["audit"])
class AuditList(generics.ListAPIView):
    serializer_class = AuditEventSerializer
    pagination_class = NewestFirst
    allowed_roles = MANAGERS

    def get_queryset(self) -> QuerySet[AuditEvent]:
        query = AuditQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        wanted: dict[str, Any] = query.validated_data
        events = AuditEvent.objects.all()
        if "patient" in wanted:
            events = naming_patient(events, wanted["patient"])
        if "actor" in wanted:
            events = events.filter(actor_username=wanted["actor"])
        if "kind" in wanted:
            events = events.filter(kind=wanted["kind"])
        if "since" in wanted:
            events = events.filter(at__gte=wanted["since"])
        return events

    @extend_schema(
        summary="The audit trail: reads, writes and sign-ins, newest first",
        parameters=[AuditQuery],
        responses={
            200: AuditEventSerializer(many=True),
            400: OpenApiResponse(description="Field errors, in DRF's usual shape."),
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
