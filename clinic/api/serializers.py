from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers

from clinic.models import Patient, Payer, Provider, Room, Site


class PatientSerializer(serializers.ModelSerializer):
    payer = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Payer.objects.all(),
        required=False,
        allow_null=True,
        help_text="Payer code, e.g. `medicare`; selects the payer's rule set.",
    )

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "first_name",
            "last_name",
            "birth_date",
            "phone",
            "email",
            "preferred_channel",
            "diabetic",
            "could_be_pregnant",
            "contrast_allergy",
            "payer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_birth_date(self, value: dt.date) -> dt.date:
        if value > timezone.localdate():
            raise serializers.ValidationError("A birth date cannot be in the future.")
        if value.year < 1900:
            raise serializers.ValidationError("Enter a birth date after 1900.")
        return value

    def validate(self, attrs: dict) -> dict:
        channel = attrs.get("preferred_channel", getattr(self.instance, "preferred_channel", None))
        phone = attrs.get("phone", getattr(self.instance, "phone", ""))
        email = attrs.get("email", getattr(self.instance, "email", ""))
        if channel == Patient.Channel.SMS and not phone:
            raise serializers.ValidationError({"phone": ["SMS reminders need a phone number."]})
        if channel == Patient.Channel.EMAIL and "preferred_channel" in attrs and not email:
            raise serializers.ValidationError({"email": ["Email reminders need an email address."]})
        return attrs


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "name", "npi", "active"]
        read_only_fields = ["id"]


class RoomSerializer(serializers.ModelSerializer):
    site = serializers.SlugRelatedField(
        slug_field="name", queryset=Site.objects.all(), help_text="Site name."
    )

    class Meta:
        model = Room
        fields = ["id", "name", "site", "fluoroscopy", "turnover_minutes", "active"]
        read_only_fields = ["id"]
        # The (site, name) pair is unique; DRF reports a duplicate as a field error.
