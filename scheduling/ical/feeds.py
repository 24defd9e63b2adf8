"""Providers' calendar links: issued, replaced and revoked by managers, checked on each fetch.

A link is `/calendar/<provider>.ics?token=<secret>`. The secret is shown once, when issued;
the database keeps its sha256, so neither a backup nor the admin can hand out a working
link. Issuing a new link replaces the hash, which is what makes the old link stop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.models import Provider
from scheduling.horizon import horizon_end
from scheduling.models import Appointment, CalendarFeed

# The admin hands its request's user on as it is; audit.record keeps an anonymous one as None.
Actor = AbstractBaseUser | AnonymousUser | None

# How far back a feed reaches: the recent past a provider looks back on, no further.
FEED_PAST = dt.timedelta(days=60)
# 256 bits: guessing is out of reach, so a fetch needs no rate limit of its own.
TOKEN_BYTES = 32
# Compared against when the provider has no live link, so that case costs the same work.
_NO_HASH = hashlib.sha256(b"no live link").hexdigest()


@dataclass(frozen=True)
class IssuedLink:
    feed: CalendarFeed
    token: str

    @property
    def path(self) -> str:
        return feed_path(self.feed.provider_id, self.token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(provider_id: int, token: str) -> str:
    """The link's path and query; the caller adds the scheme and host it is served on."""
    path = reverse("calendar-feed", kwargs={"provider": provider_id})
    return f"{path}?{urlencode({'token': token})}"


@transaction.atomic
def feed_issue(*, provider: Provider, acting_user: Actor) -> IssuedLink:
    """Issue a new link to the provider's calendar. Any earlier link stops working now.

    Locks the provider's row, so two managers issuing at once each end with a row, the
    second one's link the one that works, rather than one of them with a unique violation.
    """
    Provider.objects.select_for_update().only("pk").get(pk=provider.pk)
    feed = CalendarFeed.objects.filter(provider=provider).order_by("pk").first()
    replaced = feed is not None and feed.revoked_at is None
    if feed is None:
        feed = CalendarFeed(provider=provider)
    before = audit.snapshot(feed, ["created_at", "revoked_at"]) if feed.pk else {}
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed.token_hash = token_hash(token)
    feed.created_at = timezone.now()
    feed.revoked_at = None
    feed.save()
    audit.record(
        actor=acting_user,
        action="calendar_feed.issue",
        instance=feed,
        # The hash is left out: the trail says a link changed, not anything about it.
        changes={
            **audit.diff(before, audit.snapshot(feed, ["provider", "created_at", "revoked_at"])),
            "replaced_live_link": [None, replaced],
        },
    )
    return IssuedLink(feed=feed, token=token)


@transaction.atomic
def feed_revoke(*, feed: CalendarFeed, acting_user: Actor) -> CalendarFeed:
    """Stop the provider's link. Revoking a revoked link changes nothing and audits nothing."""
    locked = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit.record(
        actor=acting_user,
        action="calendar_feed.revoke",
        instance=locked,
        changes={"revoked_at": [None, audit.snapshot(locked, ["revoked_at"])["revoked_at"]]},
    )
    return locked


def live_feed(provider_id: int, token: str) -> CalendarFeed | None:
    """The feed a link opens, with its provider (one query), or None for any wrong link.

    Unknown provider, no link, revoked link and wrong token all answer None alike; the
    hashes are compared in constant time, so timing does not tell how close a guess was.
    """
    feed = (
        CalendarFeed.objects.select_related("provider")
        .filter(provider_id=provider_id, revoked_at__isnull=True)
        .order_by("pk")
        .first()
    )
    expected = feed.token_hash if feed is not None else _NO_HASH
    matches = hmac.compare_digest(token_hash(token), expected)
    return feed if matches and feed is not None else None


def feed_cases(provider_id: int, now: dt.datetime) -> list[Appointment]:
    """The provider's cases from FEED_PAST ago to the booking horizon, cancelled ones too,
    with only what the feed writes loaded (one query, however many cases)."""
    return list(
        Appointment.objects.filter(
            provider_id=provider_id, start__gte=now - FEED_PAST, start__lt=horizon_end(now)
        )
        .select_related("patient", "procedure_type", "room")
        .only(
            "start",
            "end",
            "status",
            "sequence",
            "updated_at",
            "patient__first_name",
            "patient__last_name",
            "procedure_type__name",
            "room__name",
        )
        .order_by("start", "id")
    )
