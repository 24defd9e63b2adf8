"""The waitlist: patients waiting for an earlier date, and the slots freed for them.

A cancelled or moved case leaves a `FreedSlot` behind, written in the same transaction as
the change (an outbox, like reminders): the slot is matched there and then against the
waiting entries booking would accept, each match a `WaitlistMatch` in the order the
patients have waited. An offer to a patient is a state of its match, sent from the outbox
exactly once and passed to the next match when the reply-by time runs out.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from clinic.models import Patient, Provider, Room
from clinic.validators import validate_clinic_date
from procedures.choices import Region, Side
from procedures.models import ProcedureType
from procedures.validators import validate_levels
from scheduling.models.core import Appointment


class WaitlistPolicy(models.Model):
    """How the clinic offers freed slots: one row, edited by managers in the admin."""

    offer_automatically = models.BooleanField(
        default=False,
        help_text="Offer a freed slot to the first eligible waiting patient as soon as it is "
        "freed. Unticked: the desk decides, from the case page.",
    )
    reply_within_minutes = models.PositiveSmallIntegerField(
        default=120,
        validators=[MinValueValidator(5), MaxValueValidator(2880)],
        help_text="How long a patient has to take an offered slot before it passes to the next.",
    )
    notice_hours = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(168)],
        help_text="No offer for a slot starting sooner than this: too late for the patient.",
    )

    class Meta:
        verbose_name = "waitlist policy"
        verbose_name_plural = "waitlist policy"

    def __str__(self) -> str:
        return "Waitlist policy"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    BOOKED = "booked", "Booked"
    REMOVED = "removed", "Removed"


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier date for one procedure, in a window of dates."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist")
    # The case already booked that the patient would move to an earlier time: a freed slot
    # is judged as a move of it (the way a reschedule is), and taking one moves it.
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="waitlist_entries",
    )
    procedure_type = models.ForeignKey(ProcedureType, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=10, choices=Region.choices)
    side = models.CharField(max_length=10, choices=Side.choices)
    levels = models.JSONField(default=list, blank=True, validators=[validate_levels])
    sedation = models.BooleanField(null=True, blank=True, help_text="Empty: the catalog's.")
    earliest = models.DateField(validators=[validate_clinic_date])
    latest = models.DateField(validators=[validate_clinic_date])
    # Empty: any provider will do.
    preferred_providers = models.ManyToManyField(Provider, blank=True, related_name="+")
    note = models.CharField(max_length=250, blank=True)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    booked_appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            # A freed slot's question: who is waiting for a window that holds this date?
            models.Index(
                fields=["earliest", "latest"],
                condition=Q(status="waiting"),
                name="waitlist_waiting_window",
            ),
            models.Index(fields=["patient", "status"], name="waitlist_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest__lte=F("latest")), name="waitlist_window_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.procedure_type.code}"


class FreedReason(models.TextChoices):
    CANCELLED = "cancelled", "Cancelled"
    MOVED = "moved", "Moved"


class FreedSlot(models.Model):
    """The time, provider and room a cancelled or moved case left free."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="freed")
    reason = models.CharField(max_length=10, choices=FreedReason.choices)
    start = models.DateTimeField()
    end = models.DateTimeField()
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="+")
    # The case booked into it from the waitlist; then its other matches are moot.
    filled_by = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(
                fields=["start"], condition=Q(filled_by__isnull=True), name="freed_slot_open"
            )
        ]

    def __str__(self) -> str:
        return f"Slot freed by appointment {self.appointment_id} at {self.start}"


class OfferStatus(models.TextChoices):
    NONE = "", "Not offered"
    QUEUED = "queued", "Being sent"
    SENT = "sent", "Offered"
    ACCEPTED = "accepted", "Booked"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "No reply in time"
    WITHDRAWN = "withdrawn", "Withdrawn"
    FAILED = "failed", "Could not be sent"


# Offers that hold the slot for their patient: at most one per freed slot at a time.
LIVE_OFFERS = (OfferStatus.QUEUED, OfferStatus.SENT)


class WaitlistMatch(models.Model):
    """A waiting entry that booking would accept into a freed slot, when the slot was freed."""

    freed_slot = models.ForeignKey(FreedSlot, on_delete=models.CASCADE, related_name="matches")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="matches")
    # 1 for the patient who has waited longest.
    rank = models.PositiveSmallIntegerField()
    offer_status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.NONE, blank=True
    )
    offered_at = models.DateTimeField(null=True, blank=True)
    reply_by = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Patient.Channel.choices, blank=True)
    # The channel checks this key before sending: a repeated send task cannot send twice.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A send holds the offer until then: a second send task finds it held and stops; a
    # worker that died mid-send leaves it to be sent again (under the same key) after that.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Why an offer moved on without a reply: the patient no longer fitted, say.
    note = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["freed_slot", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["freed_slot", "entry"], name="one_match_per_entry"),
            # Two offers for one slot at once would promise it to two patients.
            models.UniqueConstraint(
                fields=["freed_slot"],
                condition=Q(offer_status__in=["queued", "sent"]),
                name="one_live_offer_per_slot",
            ),
        ]
        indexes = [
            models.Index(
                fields=["reply_by"], condition=Q(offer_status="sent"), name="offer_awaiting_reply"
            ),
            models.Index(
                fields=["offered_at"], condition=Q(offer_status="queued"), name="offer_queued"
            ),
        ]

    def __str__(self) -> str:
        return f"Match {self.rank} for freed slot {self.freed_slot_id}"
