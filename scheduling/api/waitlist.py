"""The waitlist over the API: entries, the slots cancellations and moves freed, and booking
or offering a freed slot to the patients it fits."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api.audited import showing
from clinic.api.errors import ErrorSerializer, RefusalSerializer
from clinic.api.fields import ClinicDateField, ClinicDateTimeField, QuerySerializer, RowField
from clinic.api.views import AUTH_ERRORS, BAD_INPUT, NOT_FOUND
from clinic.models import Patient, Provider
from clinic.permissions import ALL_ROLES, SCHEDULING, acting_user
from procedures.api.fields import LevelsField, check_levels_in_region
from procedures.choices import Region, Side
from scheduling.api.serializers import AppointmentSerializer, ProcedureCodeField
from scheduling.models import (
    Appointment,
    FreedSlot,
    WaitlistEntry,
    WaitlistMatch,
    WaitlistStatus,
)
from scheduling.waitlist import offers, selectors
from scheduling.waitlist.book import book_match
from scheduling.waitlist.entries import waitlist_add, waitlist_remove


class WaitlistEntrySerializer(serializers.ModelSerializer):
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    procedure_type = serializers.CharField(source="procedure_type.code", read_only=True)
    preferred_providers = serializers.SerializerMethodField()

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "patient",
            "patient_name",
            "appointment",
            "procedure_type",
            "region",
            "side",
            "levels",
            "sedation",
            "earliest",
            "latest",
            "preferred_providers",
            "note",
            "status",
            "created_at",
            "closed_at",
            "booked_appointment",
        ]
        read_only_fields = fields

    def get_preferred_providers(self, entry: WaitlistEntry) -> list[int]:
        return sorted(p.pk for p in entry.preferred_providers.all())


class WaitlistInputSerializer(serializers.Serializer):
    appointment = RowField(
        queryset=Appointment.objects.select_related("patient", "procedure_type"),
        required=False,
        help_text="The patient's booked case to move earlier when a time frees: the patient, "
        "procedure, region, side and levels are the case's (the others may be left out).",
    )
    patient = RowField(queryset=Patient.objects.all(), required=False)
    procedure_type = ProcedureCodeField(required=False)
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    side = serializers.ChoiceField(choices=Side.choices, required=False)
    levels = LevelsField()
    sedation = serializers.BooleanField(required=False, allow_null=True, default=None)
    earliest = ClinicDateField(help_text="The first date the patient could come.")
    latest = ClinicDateField(help_text="The last date worth offering (usually the booked date).")
    preferred_providers = serializers.ListField(
        child=RowField(queryset=Provider.objects.filter(active=True)),
        required=False,
        default=list,
        max_length=50,
        help_text="Provider ids; empty: any provider.",
    )
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=250)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        case = attrs.get("appointment")
        if case is not None:
            if attrs.get("patient") not in (None, case.patient):
                raise serializers.ValidationError(
                    {"patient": ["Not the patient of `appointment`."]}
                )
            attrs.update(
                patient=case.patient,
                procedure_type=case.procedure_type,
                region=case.region,
                side=case.side,
                levels=list(case.levels or ()),
            )
        missing = {
            name: ["This field is required."]
            for name in ("patient", "procedure_type", "region", "side")
            if attrs.get(name) is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["latest"] < attrs["earliest"]:
            raise serializers.ValidationError({"latest": ["Must be on or after `earliest`."]})
        return check_levels_in_region(attrs)


class WaitlistQuerySerializer(QuerySerializer):
    patient = RowField(queryset=Patient.objects.all(), required=False)
    status = serializers.ChoiceField(
        choices=WaitlistStatus.choices, required=False, default=WaitlistStatus.WAITING
    )
    procedure_type = ProcedureCodeField(required=False)


@extend_schema(tags=["waitlist"])
class WaitlistList(APIView):
    allowed_roles = {"GET": ALL_ROLES, "POST": SCHEDULING}

    @extend_schema(
        summary="Patients waiting for an earlier date",
        description="Longest-waiting first. `status` defaults to `waiting`.",
        parameters=[WaitlistQuerySerializer],
        responses={200: WaitlistEntrySerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = WaitlistQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = selectors.entries(**query.validated_data)
        data = WaitlistEntrySerializer(entries, many=True).data
        return showing(request, [e.patient_id for e in entries], data)

    @extend_schema(
        summary="Put a patient on the waitlist",
        description="For a procedure, region, side and levels, between two dates, with any "
        "provider or the preferred ones. When a case is cancelled or moved, the slot it frees "
        "is matched against the entries that booking would accept then.",
        request=WaitlistInputSerializer,
        responses={
            201: WaitlistEntrySerializer,
            **BAD_INPUT,
            **AUTH_ERRORS,
            409: OpenApiResponse(
                ErrorSerializer, description="`invalid_transition`: the case is not booked"
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_window`: over already, or not before the case to move",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = WaitlistInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = waitlist_add(acting_user=acting_user(request), **body.validated_data)
        data = WaitlistEntrySerializer(entry).data
        return showing(request, [entry.patient_id], data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["waitlist"])
class WaitlistDetail(APIView):
    allowed_roles = {"GET": ALL_ROLES, "DELETE": SCHEDULING}

    @extend_schema(
        summary="A waitlist entry",
        responses={200: WaitlistEntrySerializer, **AUTH_ERRORS, **NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        entry = get_object_or_404(selectors.entries_with_context(), pk=pk)
        return showing(request, [entry.patient_id], WaitlistEntrySerializer(entry).data)

    @extend_schema(
        summary="Take a patient off the waitlist",
        description="The entry is closed as `removed` (kept for the record), not deleted.",
        responses={
            204: None,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="`invalid_transition`: closed"),
        },
    )
    def delete(self, request: Request, pk: int) -> Response:
        entry = get_object_or_404(WaitlistEntry, pk=pk)
        waitlist_remove(entry=entry, acting_user=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MatchSerializer(serializers.ModelSerializer):
    entry = serializers.IntegerField(source="entry_id", read_only=True)
    patient = serializers.IntegerField(source="entry.patient_id", read_only=True)
    patient_name = serializers.CharField(source="entry.patient.full_name", read_only=True)
    procedure_type = serializers.CharField(source="entry.procedure_type.code", read_only=True)
    waiting_since = serializers.DateTimeField(source="entry.created_at", read_only=True)

    class Meta:
        model = WaitlistMatch
        fields = [
            "id",
            "rank",
            "entry",
            "patient",
            "patient_name",
            "procedure_type",
            "waiting_since",
            "offer_status",
            "offered_at",
            "reply_by",
            "note",
        ]
        read_only_fields = fields


class FreedSlotSerializer(serializers.ModelSerializer):
    eligible = serializers.SerializerMethodField(
        help_text="Waiting patients booking accepted into this slot when it was freed, "
        "longest-waiting first, still waiting and not refused an offer."
    )

    class Meta:
        model = FreedSlot
        fields = ["id", "appointment", "reason", "start", "end", "provider", "room", "eligible"]
        read_only_fields = fields

    @extend_schema_field(MatchSerializer(many=True))
    def get_eligible(self, freed: FreedSlot) -> list[dict[str, Any]]:
        return list(MatchSerializer(selectors.live_matches(freed), many=True).data)


class FreedSlotQuerySerializer(QuerySerializer):
    after = ClinicDateTimeField(required=False, help_text="Default: now.")


@extend_schema(tags=["waitlist"])
class FreedSlotList(APIView):
    allowed_roles = SCHEDULING

    @extend_schema(
        summary="Slots freed by cancellations and moves, with the waiting patients they fit",
        description="Upcoming slots not yet filled from the waitlist and still free, earliest "
        "first, each with its eligible waiting patients.",
        parameters=[FreedSlotQuerySerializer],
        responses={200: FreedSlotSerializer(many=True), **BAD_INPUT, **AUTH_ERRORS},
    )
    def get(self, request: Request) -> Response:
        query = FreedSlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selectors.open_freed_slots(after=query.validated_data.get("after"))
        data = FreedSlotSerializer(slots, many=True).data
        patients = {m["patient"] for slot in data for m in slot["eligible"]}
        return showing(request, sorted(patients), data)


class MatchChoiceSerializer(serializers.Serializer):
    match = serializers.IntegerField(min_value=1, help_text="An id from the slot's `eligible`.")


def _match_of(freed: FreedSlot, body: MatchChoiceSerializer) -> WaitlistMatch:
    return get_object_or_404(
        WaitlistMatch.objects.select_related("entry__patient", "entry__procedure_type"),
        pk=body.validated_data["match"],
        freed_slot=freed,
    )


@extend_schema(tags=["waitlist"])
class FreedSlotBook(APIView):
    allowed_roles = SCHEDULING

    @extend_schema(
        summary="Book a waiting patient into a freed slot",
        description="Every booking rule is checked again; the entry closes as `booked`.",
        request=MatchChoiceSerializer,
        responses={
            201: AppointmentSerializer,
            **BAD_INPUT,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`slot_unavailable` (taken since), `invalid_transition` (the "
                "patient is no longer waiting)",
            ),
            422: OpenApiResponse(RefusalSerializer, description="`not_eligible` and the rest"),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        freed = get_object_or_404(FreedSlot, pk=pk)
        body = MatchChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appointment = book_match(match=_match_of(freed, body), acting_user=acting_user(request))
        data = AppointmentSerializer(appointment).data
        return showing(request, [appointment.patient_id], data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["waitlist"])
class FreedSlotOffer(APIView):
    allowed_roles = SCHEDULING

    @extend_schema(
        summary="Offer a freed slot to the next waiting patient",
        description="By the patient's channel (SMS or email), with a reply-by time from the "
        "waitlist policy; with no booking by then, the offer passes to the next patient.",
        request=None,
        responses={
            202: MatchSerializer,
            **AUTH_ERRORS,
            **NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`nobody_to_offer`: filled, too near, on offer already, or no "
                "eligible patient left",
            ),
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        freed = get_object_or_404(FreedSlot, pk=pk)
        offered = offers.offer_first(freed, acting_user=acting_user(request))
        data = MatchSerializer(offered).data
        return showing(request, [offered.entry.patient_id], data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["waitlist"])
class FreedSlotDecline(APIView):
    allowed_roles = SCHEDULING

    @extend_schema(
        summary="The offered patient said no: offer the slot to the next one",
        request=MatchChoiceSerializer,
        responses={200: MatchSerializer, **BAD_INPUT, **AUTH_ERRORS, **NOT_FOUND},
    )
    def post(self, request: Request, pk: int) -> Response:
        freed = get_object_or_404(FreedSlot, pk=pk)
        body = MatchChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        match = _match_of(freed, body)
        offers.offer_declined(match, acting_user=acting_user(request))
        match.refresh_from_db()
        return showing(request, [match.entry.patient_id], MatchSerializer(match).data)
