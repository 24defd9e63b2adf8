"""Cases: volume by procedure, first cases that start on time, and turnover between cases."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.db.models import Case, Count, F, Min, Q, Value, When, Window
from django.db.models.functions import Lag
from django.utils import timezone

from clinic.models import Room
from procedures.models import ProcedureType
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import EpochSeconds, local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import Status

# A case and its turnover never span more than a day: bounds the self-joins below to an
# index range.
DAY = dt.timedelta(days=1)


def volume_by_procedure(filters: Filters) -> Table:
    counts = (
        filters.cases()
        .values("procedure_type_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=Status.COMPLETED)),
            booked=Count("id", filter=Q(status__in=[Status.SCHEDULED, Status.CHECKED_IN])),
            cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
            no_show=Count("id", filter=Q(status=Status.NO_SHOW)),
        )
    )
    names = dict(ProcedureType.objects.values_list("pk", "name"))
    rows: list[dict[str, Any]] = [
        {**row, "name": names.get(row["procedure_type_id"], "?")} for row in counts
    ]
    rows.sort(key=lambda row: (-row["total"], row["name"]))
    return Table(
        slug="volume",
        title="Cases by procedure",
        definition="Every case whose start falls in the range, by what became of it: done, "
        "still booked (or checked in), cancelled, or missed (no-show).",
        columns=(
            Column("name", "Procedure"),
            Column("done", "Done", "count"),
            Column("booked", "Booked", "count"),
            Column("cancelled", "Cancelled", "count"),
            Column("no_show", "No-show", "count"),
            Column("total", "All cases", "count"),
        ),
        rows=rows,
        empty="No cases in this range.",
    )


def first_case_on_time(filters: Filters) -> Table:
    """Per room: of each day's first case that took place, how many were checked in by the
    time it was booked to start."""
    # One row a room and day: the first start that took place, and the first start whose
    # patient was there in time; the day's first case was on time when the two are one.
    days = (
        filters.cases()
        .filter(checked_in_at__isnull=False, start__lt=timezone.now())
        .annotate(day=local_day("start"))
        .values("room_id", "day")
        .annotate(
            first=Min("start"),
            first_in_time=Min("start", filter=Q(checked_in_at__lte=F("start"))),
        )
        .annotate(on_time=Case(When(first=F("first_in_time"), then=Value(1)), default=Value(0)))
        .values_list("room_id", "on_time")
        .order_by()
    )
    counted: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for room_id, on_time in days:
        counted[room_id][0] += 1
        counted[room_id][1] += on_time
    names = dict(Room.objects.filter(pk__in=counted).values_list("pk", "name"))
    rows = [
        {
            "name": names[room_id],
            "days": total,
            "on_time": on_time,
            "percent": round(100 * on_time / total, 1),
        }
        for room_id, (total, on_time) in sorted(counted.items(), key=lambda i: names[i[0]])
    ]
    return Table(
        slug="first-case-on-time",
        title="First cases on time",
        definition="For each room and day, the first case that took place (its patient was "
        "checked in). It is on time when the patient was checked in by the case's start.",
        columns=(
            Column("name", "Room"),
            Column("days", "Days", "count"),
            Column("on_time", "On time", "count"),
            Column("percent", "On time share", "percent"),
        ),
        rows=rows,
        empty="No first cases took place in this range.",
    )


def turnover(filters: Filters) -> Table:
    """Per room: the real gap between back-to-back done cases, against the room's turnover."""
    # Each done case beside the done case before it in its room (LAG over the room's done
    # cases in the range, one sort): a pair is back to back when the first one's turnover was
    # booked to end as the second starts. A case's start is not recorded; its completion less
    # its planned length stands for it.
    done = filters.cases().filter(completed_at__isnull=False)

    def in_room(expression: Any) -> Window:
        return Window(expression, partition_by=[F("room_id")], order_by=F("start").asc())

    pairs = (
        done.annotate(
            previous_until=in_room(Lag("room_busy_until")),
            # Minutes as a number from the database: a year is tens of thousands of pairs,
            # and reading four timestamps each costs more than the query.
            gap=(
                EpochSeconds("completed_at")
                - (EpochSeconds("end") - EpochSeconds("start"))
                - in_room(Lag(EpochSeconds("completed_at")))
            )
            / 60.0,
        )
        .filter(previous_until=F("start"))
        .values_list("room_id", "gap")
    )
    gaps: dict[int, list[float]] = defaultdict(list)
    for room_id, gap in pairs:
        gaps[room_id].append(gap)
    rooms = Room.objects.only("pk", "name", "turnover_minutes").in_bulk(list(gaps))
    rows: list[dict[str, Any]] = []
    for room_id, minutes in gaps.items():
        room = rooms[room_id]
        over = sum(1 for m in minutes if m > room.turnover_minutes)
        rows.append(
            {
                "name": room.name,
                "set_minutes": room.turnover_minutes,
                "pairs": len(minutes),
                "median": round(statistics.median(minutes), 1),
                "over": over,
                "over_percent": round(100 * over / len(minutes), 1),
            }
        )
    rows.sort(key=lambda row: row["name"])
    return Table(
        slug="turnover",
        title="Turnover between back-to-back cases",
        definition="Two done cases in a room are back to back when the second was booked to "
        "start as the first one's turnover ended. The turnover is the time from the first "
        "case's completion to the start of the second (its completion less its planned "
        "length); 'over' counts the pairs that took longer than the room's set turnover.",
        columns=(
            Column("name", "Room"),
            Column("set_minutes", "Set turnover", "minutes"),
            Column("pairs", "Back-to-back pairs", "count"),
            Column("median", "Median turnover", "minutes"),
            Column("over", "Over the set turnover", "count"),
            Column("over_percent", "Share over", "percent"),
        ),
        rows=rows,
        empty="No back-to-back cases were done in this range.",
    )
