"""The API's rate limits, read from settings on every request (so a test or a deploy can set
them without a restart of the class attributes DRF would otherwise freeze at import)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class PerUserRate(UserRateThrottle):
    """API_RATE_PER_USER per signed-in user (per address for anonymous requests)."""

    def get_rate(self) -> str | None:
        return settings.API_RATE_PER_USER or None


class PerAddressRate(AnonRateThrottle):
    """API_RATE_ANONYMOUS per client address, for requests without a user (the token door)."""

    def get_rate(self) -> str | None:
        return settings.API_RATE_ANONYMOUS or None
