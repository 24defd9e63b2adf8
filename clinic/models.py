"""People and places: patients, providers, sites, rooms, payers, and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from knox.models import AbstractAuthToken
from phonenumber_field.modelfields import PhoneNumberField

from clinic.validators import validate_birth_date, validate_npi


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Payer(models.Model):
    """Who pays. A payer may select a rule set other than the clinic default."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    fluoroscopy = models.BooleanField(
        default=False, help_text="A fluoroscopy suite; otherwise an exam room."
    )
    turnover_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MaxValueValidator(240)],
        help_text="Cleaning and set-up time kept free after every case.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="room_name_unique_per_site"),
        ]

    def __str__(self) -> str:
        return self.name


class EquipmentKind(models.Model):
    """A kind of shared equipment a procedure may need: an RF generator, a portable C-arm."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    """One unit of shared equipment. It moves between the rooms of its site, so two cases
    that need its kind at the same time need two units, however many rooms are free."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="equipment")
    kind = models.ForeignKey(EquipmentKind, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["site__name", "kind__name", "name"]
        verbose_name_plural = "equipment"
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="equipment_name_unique_per_site"),
        ]

    def __str__(self) -> str:
        return self.name


class Provider(TimestampedModel):
    name = models.CharField(max_length=120)
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Patient(TimestampedModel):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    mrn = models.CharField("MRN", max_length=40, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    birth_date = models.DateField(validators=[validate_birth_date])
    # Typed as people write them ("(212) 555-0123"), read in the clinic's country
    # (PHONENUMBER_DEFAULT_REGION), stored in E.164 ("+12125550123").
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    preferred_channel = models.CharField(
        max_length=8, choices=Channel.choices, default=Channel.EMAIL
    )
    diabetic = models.BooleanField(default=False)
    could_be_pregnant = models.BooleanField(default=False)
    contrast_allergy = models.BooleanField(default=False)
    payer = models.ForeignKey(
        Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="patients"
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(Lower("last_name"), "birth_date", name="patient_name_dob")]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def clean(self) -> None:
        # Reminders go where the patient asked; an SMS patient must have a number to send to.
        if self.preferred_channel == self.Channel.SMS and not self.phone:
            raise ValidationError({"phone": "SMS reminders need a phone number."})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class AuditKind(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    AUTH = "auth", "Sign-in"


class AuditEvent(models.Model):
    """Who changed, read or signed in to what, when.

    Writes are recorded by the services in the same transaction as the change; reads once per
    request by `clinic.read_audit`; sign-ins by `clinic.auth_events`. Rows are never changed:
    on PostgreSQL a trigger refuses UPDATE and DELETE (migration 0008), so the actor is kept
    without a database constraint (deleting a user leaves their events) and their username is
    copied in, to name them after the user row is gone.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=8, choices=AuditKind.choices, default=AuditKind.WRITE)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=200)
    # Every patient whose data the event wrote or showed (a list read names all of its rows).
    patients = models.JSONField(default=list, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor_username", "at"], name="audit_actor_at"),
            models.Index(fields=["kind", "at"], name="audit_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"

    @property
    def patient(self) -> int | None:
        """The patient the event concerns, when it concerns exactly one."""
        return self.patients[0] if len(self.patients) == 1 else None


class ApiToken(AbstractAuthToken):
    """An API token (django-rest-knox, stored hashed), bound to the password it was made with.

    `credential` is the user's session auth hash when the token was issued (an HMAC of the
    password hash, as Django's sessions keep): a password change makes every older token
    fail to authenticate, through whatever door the password was changed.
    """

    credential = models.CharField(max_length=128)

    class Meta:
        verbose_name = "API token"
