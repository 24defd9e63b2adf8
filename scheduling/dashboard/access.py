"""Access: how soon a new patient could be seen, and how far ahead cases are booked.

"Days to the third next available slot" is the usual access measure (the first and second
free slots are often a cancellation's leftovers): it comes from the same slot search the desk
books from, for any patient, so it is as true as the desk's own search.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from clinic.models import Provider, Room
from procedures.models import ProcedureType
from scheduling.availability import local_date, room_suits
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import DaysBetween, Median, local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import Status
from scheduling.slots import SlotQuery, find_slots

WANTED = 3  # the third next available slot

logger = logging.getLogger(__name__)


def _third_slot_days(
    procedure: ProcedureType, provider: Provider | None, room: Room | None
) -> int | None:
    """Days from today to the third free slot, or None when not found within the search."""
    if room is not None and (not room.active or not room_suits(room, procedure)):
        return None
    now = timezone.now()
    slots = find_slots(
        SlotQuery(
            procedure_type=procedure,
            after=now,
            limit=WANTED,
            days=settings.DASHBOARD_ACCESS_SEARCH_DAYS,
            provider=provider,
            room=room,
        )
    )
    if len(slots) < WANTED:
        return None
    return (local_date(slots[WANTED - 1].start) - timezone.localdate()).days


def _third_slots(
    procedures: list[ProcedureType], provider: Provider | None, room: Room | None
) -> tuple[str, dict[int, int | None]]:
    """Per procedure, with the time they were counted. Kept for DASHBOARD_ACCESS_CACHE_SECONDS;
    counted afresh when the cache is down, which costs the page time, not its answer."""
    key = "dashboard-access:{}:{}:{}:{}".format(
        timezone.localdate().isoformat(),
        provider.pk if provider else "",
        room.pk if room else "",
        ",".join(str(p.pk) for p in procedures),
    )
    # Django's RedisCache passes redis-py's errors on untranslated, and a kept value that no
    # longer unpickles fails too: any error from the cache means "not kept".
    try:
        kept: tuple[str, dict[int, int | None]] | None = cache.get(key)
    except Exception as exc:
        _cache_failed(exc)
        # Not written back either: a cache that failed to read would most likely fail (or
        # make the page wait for its timeout a second time) to write.
        return _count_third_slots(procedures, provider, room)
    if kept is not None:
        return kept
    counted = _count_third_slots(procedures, provider, room)
    try:
        cache.set(key, counted, settings.DASHBOARD_ACCESS_CACHE_SECONDS)
    except Exception as exc:
        _cache_failed(exc)
    return counted


def _count_third_slots(
    procedures: list[ProcedureType], provider: Provider | None, room: Room | None
) -> tuple[str, dict[int, int | None]]:
    """One search for all procedures of the same length and room needs, whose free slots are
    the same."""
    by_shape: dict[tuple[int, bool], int | None] = {}
    found: dict[int, int | None] = {}
    for procedure in procedures:
        shape = (procedure.duration_minutes, procedure.requires_fluoroscopy)
        if shape not in by_shape:
            by_shape[shape] = _third_slot_days(procedure, provider, room)
        found[procedure.pk] = by_shape[shape]
    return (f"{timezone.localtime():%H:%M}", found)


def _cache_failed(exc: Exception) -> None:
    # redis-py's errors name the cache's host and port, never a patient.
    logger.warning(
        "Could not use the dashboard's kept slot searches (%s: %s); counted afresh",
        type(exc).__name__,
        exc,
    )


def access(filters: Filters) -> Table:
    procedures = list(ProcedureType.objects.filter(active=True).order_by("name"))
    if filters.procedure_id is not None:
        procedures = [p for p in procedures if p.pk == filters.procedure_id]
    provider = (
        Provider.objects.filter(pk=filters.provider_id, active=True).first()
        if filters.provider_id is not None
        else None
    )
    room = Room.objects.filter(pk=filters.room_id).first() if filters.room_id else None
    nobody = filters.provider_id is not None and provider is None
    counted_at, third = (
        (f"{timezone.localtime():%H:%M}", {})
        if nobody
        else _third_slots(procedures, provider, room)
    )
    lead: dict[int, tuple[float | None, int]] = {
        row["procedure_type_id"]: (row["median"], row["n"])
        for row in filters.cases()
        .exclude(status=Status.CANCELLED)
        .values("procedure_type_id")
        .annotate(
            median=Median(DaysBetween(local_day("start"), local_day("created_at"))),
            n=Count("id"),
        )
        .order_by()
    }
    rows: list[dict[str, Any]] = []
    for procedure in procedures:
        days = third.get(procedure.pk)
        rows.append(
            {
                "name": procedure.name,
                "third_days": days,
                "third_text": (
                    f"{days} day{'s' if days != 1 else ''}"
                    if days is not None
                    else f"none within {settings.DASHBOARD_ACCESS_SEARCH_DAYS} days"
                ),
                "lead_median": lead.get(procedure.pk, (None, 0))[0],
                "cases": lead.get(procedure.pk, (None, 0))[1],
            }
        )
    return Table(
        slug="access",
        title="Access",
        definition="Third next available: days from today to the third free slot the desk's "
        "slot search offers for the procedure (with the provider and room chosen above, for "
        "any patient); the third rather than the first, which is often a cancellation's gap. "
        "Booked ahead: the median days from booking to the day of the case, for cases in "
        "the range that were not cancelled.",
        columns=(
            Column("name", "Procedure"),
            Column("third_days", "Days to the third next available slot", "days"),
            Column("lead_median", "Median days booked ahead", "days"),
            Column("cases", "Cases counted", "count"),
        ),
        rows=rows,
        notes=(
            f"Free slots as counted at {counted_at} today. A dash: no third free slot within "
            f"the next {settings.DASHBOARD_ACCESS_SEARCH_DAYS} days.",
        ),
    )
