"""Are reminders reaching patients: delivery counts by kind and channel, and the failures.

Both read reminders due in the dashboard's range whose case matches its filters; both cost
a fixed number of queries (one GROUP BY; the failures list one bounded read, plus a count
when there are more than it shows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q, QuerySet, Window
from django.urls import reverse

from clinic.models import Patient
from scheduling.availability import clinic_zone
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.tables import Column, Table
from scheduling.models import Reminder, ReminderKind, ReminderStatus

# The failures list shows the latest this many; the notes say how many there were in all.

KIND_LABELS: dict[str, str] = dict(ReminderKind.choices)
CHANNEL_LABELS: dict[str, str] = dict(Patient.Channel.choices)
# Rows come in the order the kinds and channels are declared, not alphabetically.
KIND_ORDER = {kind: n for n, kind in enumerate(KIND_LABELS)}
CHANNEL_ORDER = {channel: n for n, channel in enumerate(CHANNEL_LABELS)}


def _reminders_due(filters: Filters) -> QuerySet[Reminder]:
    start, end = filters.bounds
    return Reminder.objects.filter(
        filters.case_filter("appointment__"), due_at__gte=start, due_at__lt=end
    )


def _failed_percent(sent: int, failed: int) -> float | None:
    # Pending reminders have not had their answer yet: the share is of those decided.
    decided = sent + failed
    return 100 * failed / decided if decided else None


def _group_row(group: Mapping[str, Any]) -> dict[str, Any]:
    kind = KIND_LABELS.get(group["kind"], group["kind"])
    channel = CHANNEL_LABELS.get(group["channel"], group["channel"])
    return {
        "kind": kind,
        "channel": channel,
        "name": f"{kind} by {channel}",  # the chart's label
        "sent": group["sent"],
        "pending": group["pending"],
        "failed": group["failed"],
        "failed_percent": _failed_percent(group["sent"], group["failed"]),
    }


def reminder_delivery(filters: Filters) -> Table:
    """Sent, pending and failed reminders per kind and channel, with a total row."""
    counts = (
        _reminders_due(filters)
        .values("kind", "channel")
        .annotate(
            sent=Count("pk", filter=Q(status=ReminderStatus.SENT)),
            pending=Count("pk", filter=Q(status=ReminderStatus.PENDING)),
            failed=Count("pk", filter=Q(status=ReminderStatus.FAILED)),
            cancelled=Count("pk", filter=Q(status=ReminderStatus.CANCELLED)),
        )
        .order_by()
    )
    groups = sorted(
        counts,
        key=lambda g: (KIND_ORDER.get(g["kind"], 99), CHANNEL_ORDER.get(g["channel"], 99)),
    )
    rows: list[dict[str, Any]] = [
        _group_row(g)
        # A group of withdrawn reminders only says nothing about delivery.
        for g in groups
        if g["sent"] or g["pending"] or g["failed"]
    ]
    if rows:
        sent, failed = sum(r["sent"] for r in rows), sum(r["failed"] for r in rows)
        rows.append(
            {
                "kind": "All reminders",
                "channel": "",
                "sent": sent,
                "pending": sum(r["pending"] for r in rows),
                "failed": failed,
                "failed_percent": _failed_percent(sent, failed),
                "total": True,
            }
        )
    cancelled = sum(g["cancelled"] for g in groups)
    notes = (
        [
            f"Not counted: {cancelled:,} reminder{'' if cancelled == 1 else 's'} withdrawn "
            "because the case moved, was cancelled or was done."
        ]
        if cancelled
        else []
    )
    return Table(
        slug="reminder-delivery",
        title="Reminder delivery",
        definition=(
            "Reminders due in this range, by kind and channel: sent, still waiting to go out, "
            "and failed after every try; reminders withdrawn because their case moved, was "
            "cancelled or was done are left out. Failed % is the failed share of those sent "
            "or failed."
        ),
        columns=[
            Column("kind", "Kind"),
            Column("channel", "Channel"),
            Column("sent", "Sent", "count"),
            Column("pending", "Pending", "count"),
            Column("failed", "Failed", "count"),
            Column("failed_percent", "Failed %", "percent"),
        ],
        rows=rows,
        empty="No reminders were due in this range.",
        notes=notes,
    )


def reminder_failures(filters: Filters, limit: int | None = None) -> Table:
    """The failed reminders due in the range, newest first (the latest `limit` of them, with
    how many there are, when the page asks for its first rows only)."""
    failed = _reminders_due(filters).filter(status=ReminderStatus.FAILED)
    # The total rides along as a window count, so a long list costs no second query.
    listed = (
        failed.annotate(total=Window(Count("pk")))
        .order_by("-due_at", "-pk")
        .values(
            "total",
            "kind",
            "channel",
            "due_at",
            "attempts",
            "last_error",
            "patient_id",
            "patient__first_name",
            "patient__last_name",
            "patient__mrn",
        )
    )
    found = list(listed[:limit] if limit is not None else listed)
    total = found[0]["total"] if found else 0
    zone = clinic_zone()
    rows = [
        {
            "patient": f"{r['patient__first_name']} {r['patient__last_name']}",
            "patient_id": r["patient_id"],
            "patient_url": reverse("patient", args=[r["patient_id"]]),
            "mrn": r["patient__mrn"],
            "kind": KIND_LABELS.get(r["kind"], r["kind"]),
            "channel": CHANNEL_LABELS.get(r["channel"], r["channel"]),
            "due": r["due_at"].astimezone(zone),
            "attempts": r["attempts"],
            "last_error": r["last_error"],
        }
        for r in found
    ]
    return Table(
        slug="reminder-failures",
        title="Failed reminders",
        definition=(
            "Reminders due in this range that could not be delivered after every try, "
            "the latest first, with the error the last try got."
        ),
        columns=[
            Column("patient", "Patient", link_key="patient_url"),
            Column("mrn", "MRN"),
            Column("kind", "Kind"),
            Column("channel", "Channel"),
            Column("due", "Due", "datetime"),
            Column("attempts", "Tries", "count"),
            Column("last_error", "Last error"),
        ],
        rows=rows,
        empty="No reminder failed in this range.",
        total_rows=total if limit is not None else None,
    )
