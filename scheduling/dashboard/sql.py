"""Database expressions the measures share, written to run alike on PostgreSQL and SQLite."""

from __future__ import annotations

import statistics
from typing import Any

from django.db.models import Aggregate, FloatField, Func, IntegerField
from django.db.models.functions import TruncDate

from scheduling.availability import clinic_zone


class Median(Aggregate):
    """The median of a numeric expression, computed in the database.

    PostgreSQL has it built in (`percentile_cont`); on SQLite a small aggregate function is
    registered on every new connection (`register_sqlite_median`), as Django registers its
    own date functions there.
    """

    name = "Median"
    function = "MEDIAN"
    output_field = FloatField()
    allow_distinct = False

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # On the clone's template, not a `template=` argument: Aggregate.as_sql passes its
        # own template when the aggregate has a `filter`.
        clone = self.copy()
        clone.template = "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
        return clone.as_sql(compiler, connection, **extra)


class _SqliteMedian:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def register_sqlite_median(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Connected to `connection_created` by the app's `ready()`."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("MEDIAN", 1, _SqliteMedian)


def local_day(field: str) -> TruncDate:
    """The clinic date of an instant (a case at 23:30 clinic time is on that clinic day)."""
    return TruncDate(field, tzinfo=clinic_zone())


class EpochSeconds(Func):
    """Seconds since 1970 of a timestamp, so differences and medians are plain numbers."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # date_part gives a double; EXTRACT gives numeric since PostgreSQL 14, slower to sum.
        return self.as_sql(compiler, connection, template="date_part('epoch', %(expressions)s)")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores SQLite datetimes as UTC text, which strftime reads (whole seconds).
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS REAL)"
        )


class DaysBetween(Func):
    """`DaysBetween(later, earlier)`: whole days from one date to another (`local_day` values)."""

    output_field = IntegerField()
    arity = 2

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
        )
