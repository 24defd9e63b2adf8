"""Cases lost: cancellations by cause (same-day ones apart) and no-shows by booking lead time."""

from __future__ import annotations

from django.db.models import Case, Count, Q, Value, When
from django.db.models import IntegerField as IntegerOutput

from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import DaysBetween, local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import CancelCause, Status

# The cancellations this product exists to prevent: named on the dashboard.
PREVENTABLE = frozenset(
    {
        CancelCause.HOLD_NOT_MET,
        CancelCause.CHECKLIST_INCOMPLETE,
        CancelCause.AUTHORIZATION_MISSING,
    }
)

# Booking lead time bands of the no-show table: (first day, last day or None, label).
LEAD_BANDS = ((0, 2, "0–2 days"), (3, 7, "3–7 days"), (8, 30, "8–30 days"), (31, None, "31+ days"))


def cancellations_by_cause(filters: Filters) -> Table:
    counts = (
        filters.cases()
        .filter(status=Status.CANCELLED)
        .annotate(
            same_day_flag=Case(
                When(
                    cancelled_at__isnull=False,
                    then=DaysBetween(local_day("start"), local_day("cancelled_at")),
                ),
                default=Value(None),
                output_field=IntegerOutput(),
            )
        )
        .values("cancel_cause")
        .annotate(
            total=Count("id"),
            same_day=Count("id", filter=Q(same_day_flag__lte=0)),
        )
    )
    found = {row["cancel_cause"]: row for row in counts}
    rows = []
    # Every cause is listed, the preventable ones first, so a zero is seen as a zero.
    causes = sorted(CancelCause, key=lambda c: (c not in PREVENTABLE, list(CancelCause).index(c)))
    for cause in [*causes, ""]:
        row = found.get(cause)
        if row is None and (cause == "" or cause not in PREVENTABLE):
            continue
        total = row["total"] if row else 0
        same_day = row["same_day"] if row else 0
        rows.append(
            {
                "name": CancelCause(cause).label if cause else "No cause given",
                "cause": cause,
                "preventable": "Yes" if cause in PREVENTABLE else "No",
                "same_day": same_day,
                "earlier": total - same_day,
                "total": total,
            }
        )
    return Table(
        slug="cancellations",
        title="Cancellations by cause",
        definition="Cases in the range that were cancelled, by the cause chosen when "
        "cancelling. Same day: cancelled on the day of the case (or after it). The causes "
        "marked 'preventable' are the ones holds, checklists and authorizations are tracked "
        "to avoid; they are always listed, even at zero.",
        columns=(
            Column("name", "Cause"),
            Column("preventable", "Preventable"),
            Column("same_day", "Same day", "count"),
            Column("earlier", "Earlier", "count"),
            Column("total", "All", "count"),
        ),
        rows=rows,
    )


def _band(lead: int) -> int:
    """The index in LEAD_BANDS of a lead time in days (a case booked after it began: 0)."""
    for index, (_, high, _) in enumerate(LEAD_BANDS):
        if high is None or lead <= high:
            return index
    return len(LEAD_BANDS) - 1


def no_shows_by_lead_time(filters: Filters) -> Table:
    """Of the cases whose day has come (done, checked in or missed), the share missed, by how
    many days ahead they were booked."""
    # Grouped by the day count itself (a few hundred values at most) and banded here, so the
    # database converts each case's two dates once.
    by_lead = (
        filters.cases()
        .filter(status__in=[Status.COMPLETED, Status.CHECKED_IN, Status.NO_SHOW])
        .values(lead=DaysBetween(local_day("start"), local_day("created_at")))
        .annotate(cases=Count("id"), no_shows=Count("id", filter=Q(status=Status.NO_SHOW)))
        .order_by()
    )
    found: dict[int, dict[str, int]] = {}
    for group in by_lead:
        tally = found.setdefault(_band(group["lead"]), {"cases": 0, "no_shows": 0})
        tally["cases"] += group["cases"]
        tally["no_shows"] += group["no_shows"]
    rows = []
    for index, (_, _, label) in enumerate(LEAD_BANDS):
        band = found.get(index, {"cases": 0, "no_shows": 0})
        cases, missed = band["cases"], band["no_shows"]
        rows.append(
            {
                "name": label,
                "cases": cases,
                "no_shows": missed,
                "percent": round(100 * missed / cases, 1) if cases else None,
            }
        )
    return Table(
        slug="no-shows",
        title="No-shows by booking lead time",
        definition="Cases in the range whose day has come (done, checked in or missed), "
        "grouped by the days between booking and the case; the share the patient missed.",
        columns=(
            Column("name", "Booked ahead"),
            Column("cases", "Cases", "count"),
            Column("no_shows", "No-shows", "count"),
            Column("percent", "No-show rate", "percent"),
        ),
        rows=rows,
    )
