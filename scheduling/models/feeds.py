"""Providers' calendar feeds: a secret link per provider that calendar apps subscribe to.

Only a hash of the link's token is stored: a copy of the database, or an admin screen, does
not hand out working links. The token itself is shown once, when it is issued.
"""

from __future__ import annotations

from django.db import models

from clinic.models import Provider


class CalendarFeed(models.Model):
    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    # sha256 of the token, in hex. Issuing a new link replaces it, so the old link stops.
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(help_text="When the current link was issued.")
    revoked_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the link was revoked; it no longer works."
    )

    class Meta:
        ordering = ["provider__name"]
        verbose_name = "calendar feed"

    def __str__(self) -> str:
        return f"Calendar feed of {self.provider}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
