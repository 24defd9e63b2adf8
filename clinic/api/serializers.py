from __future__ import annotations

from typing import Any

from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from clinic.api.fields import ClinicModelSerializer
from clinic.models import Equipment, EquipmentKind, Patient, Payer, Provider, Room, Site

# The database's limit for a PositiveSmallIntegerField. PostgreSQL enforces it (and Django
# validates it there); SQLite does not, so without this the same input passes on one engine only.
SMALLINT_MAX = 32767


class CodeRelatedField(serializers.SlugRelatedField):
    """A row named by its code (or name): a plain string, never a number, list or object.

    SlugRelatedField hands any JSON value to the query; a NUL character then makes
    PostgreSQL refuse the query itself, which is a database error, not a field error.
    """

    default_error_messages = {"invalid": "Enter a code as a string."}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class PhoneField(PhoneNumberField):
    """A phone number as people type it ("(212) 555-0123", read in the clinic's country, or
    "+44 20 7183 8750"), answered in E.164. Only strings: a JSON number has lost its "+"."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class PatientSerializer(ClinicModelSerializer):
    phone = PhoneField(
        required=False,
        allow_blank=True,
        help_text='As typed ("(212) 555-0123" in the clinic\'s country, or with "+" and a '
        'country code); answered in E.164, e.g. "+12125550123".',
    )
    payer = CodeRelatedField(
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

    def validate(self, attrs: dict) -> dict:
        # "SMS needs a phone" is the model's own rule (Patient.clean, run by the service);
        # asking for email reminders without an address is refused here, at the choice.
        channel = attrs.get("preferred_channel", getattr(self.instance, "preferred_channel", None))
        email = attrs.get("email", getattr(self.instance, "email", ""))
        if channel == Patient.Channel.EMAIL and "preferred_channel" in attrs and not email:
            raise serializers.ValidationError({"email": ["Email reminders need an email address."]})
        return attrs


class ProviderSerializer(ClinicModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "name", "npi", "active"]
        read_only_fields = ["id"]


class RoomSerializer(ClinicModelSerializer):
    site = CodeRelatedField(slug_field="name", queryset=Site.objects.all(), help_text="Site name.")

    class Meta:
        model = Room
        fields = ["id", "name", "site", "fluoroscopy", "turnover_minutes", "active"]
        read_only_fields = ["id"]
        extra_kwargs = {"turnover_minutes": {"max_value": SMALLINT_MAX}}
        # The (site, name) pair is unique; DRF reports a duplicate as a field error.


class EquipmentSerializer(ClinicModelSerializer):
    site = CodeRelatedField(slug_field="name", queryset=Site.objects.all(), help_text="Site name.")
    kind = CodeRelatedField(
        slug_field="code",
        queryset=EquipmentKind.objects.all(),
        help_text="Kind code, e.g. `rf_generator` or `c_arm`.",
    )
    kind_name = serializers.CharField(source="kind.name", read_only=True)

    class Meta:
        model = Equipment
        fields = ["id", "name", "kind", "kind_name", "site", "active"]
        read_only_fields = ["id"]
        # The (site, name) pair is unique: the service reports a duplicate on `name`, the
        # field to change, rather than DRF on the pair.
        validators: list = []
