"""What the dashboard is looking at: a date range and optional provider, room, procedure, payer.

The filters live in the URL (`?from=&to=&provider=&room=&procedure=&payer=`), so a view of
the clinic can be bookmarked and shared; `Filters.query()` writes them back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from scheduling.availability import local_day_bounds
from scheduling.models import Appointment


@dataclass(frozen=True)
class Filters:
    first: dt.date
    last: dt.date
    provider_id: int | None = None
    room_id: int | None = None
    procedure_id: int | None = None
    payer_id: int | None = None

    @classmethod
    def default(cls, today: dt.date | None = None) -> Filters:
        """The last DASHBOARD_PAST_DAYS days and the next DASHBOARD_FUTURE_DAYS."""
        today = today or timezone.localdate()
        return cls(
            first=today - dt.timedelta(days=settings.DASHBOARD_PAST_DAYS),
            last=today + dt.timedelta(days=settings.DASHBOARD_FUTURE_DAYS),
        )

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The range as aware instants: the start of `first` to the end of `last`, clinic time."""
        start, _ = local_day_bounds(self.first)
        _, end = local_day_bounds(self.last)
        return start, end

    def case_filter(self, prefix: str = "") -> Q:
        """Provider, room, procedure and payer as a Q over appointments (or `prefix` + them)."""
        q = Q()
        if self.provider_id is not None:
            q &= Q(**{f"{prefix}provider_id": self.provider_id})
        if self.room_id is not None:
            q &= Q(**{f"{prefix}room_id": self.room_id})
        if self.procedure_id is not None:
            q &= Q(**{f"{prefix}procedure_type_id": self.procedure_id})
        if self.payer_id is not None:
            q &= Q(**{f"{prefix}patient__payer_id": self.payer_id})
        return q

    def cases(self) -> QuerySet[Appointment]:
        """Every case (any status) starting in the range and matching the other filters."""
        start, end = self.bounds
        return Appointment.objects.filter(self.case_filter(), start__gte=start, start__lt=end)

    def query(self, **changes: Any) -> str:
        """The URL query string of these filters, with `changes` applied."""
        shown = replace(self, **changes)
        pairs: dict[str, object] = {"from": shown.first.isoformat(), "to": shown.last.isoformat()}
        for key, value in (
            ("provider", shown.provider_id),
            ("room", shown.room_id),
            ("procedure", shown.procedure_id),
            ("payer", shown.payer_id),
        ):
            if value is not None:
                pairs[key] = value
        return urlencode(pairs)
