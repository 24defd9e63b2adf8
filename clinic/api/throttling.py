"""The API's rate limits, read from settings on every request (so a test or a deploy can set
them without a restart of the class attributes DRF would otherwise freeze at import).

The counts live in the cache (CACHES; a shared Redis when CACHE_URL is set). A cache that is
down must not take the API down with it: Redis down delays reminders, not bookings
(DESIGN.md). So a request whose count cannot be read or written is let through unchecked,
with one warning; the limit is a guard against a runaway client, and a few minutes without
it cost less than refusing every request of every user.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)

# Set on a request once one of its limits found the cache failing: its other limit neither
# waits for the cache a second time (a Redis that never answers costs one timeout per
# request, not one per limit) nor logs a second line.
_UNCHECKED = "_rate_limit_unchecked"


class _LetThroughWhenCacheFails(SimpleRateThrottle):
    """Runs DRF's check; on a cache failure, allows the request and says so once."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(request, _UNCHECKED, False):
            return True
        try:
            return super().allow_request(request, view)
        # Django's RedisCache passes redis-py's errors on untranslated (ConnectionError,
        # TimeoutError, ResponseError for a full or read-only server...), and an unreadable
        # count fails in unpickling: whatever the cache raises, the request goes on.
        except Exception as exc:
            setattr(request, _UNCHECKED, True)
            # The error names the cache's host and port, never the client: no user, address
            # or path goes into the line.
            logger.warning(
                "Could not check the API rate limit (%s: %s); the request is let through",
                type(exc).__name__,
                exc,
            )
            return True


class PerUserRate(_LetThroughWhenCacheFails, UserRateThrottle):
    """API_RATE_PER_USER per signed-in user (per address for anonymous requests)."""

    def get_rate(self) -> str | None:
        return settings.API_RATE_PER_USER or None


class PerAddressRate(_LetThroughWhenCacheFails, AnonRateThrottle):
    """API_RATE_ANONYMOUS per client address, for requests without a user (the token door)."""

    def get_rate(self) -> str | None:
        return settings.API_RATE_ANONYMOUS or None
