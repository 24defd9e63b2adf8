"""A database that is busy or slow, as a web request meets it.

Web processes wait at most DB_LOCK_TIMEOUT_MS for a row another request holds (a patient's
row while a booking counts their history) and DB_STATEMENT_TIMEOUT_MS for one statement
(settings, PostgreSQL only). When either runs out the statement fails, its transaction rolls
back, and the person is told to try again instead of watching a page hang.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import OperationalError

# PostgreSQL's SQLSTATEs: lock_not_available (lock_timeout) and query_canceled
# (statement_timeout).
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"


@dataclass(frozen=True)
class Busy:
    status: int
    code: str
    detail: str
    retry_after: int = 1


BUSY = Busy(
    409,
    "busy",
    "Someone else is changing this record right now, so nothing was saved. Try again in a moment.",
)
SLOW = Busy(
    503,
    "database_slow",
    "The database took too long to answer, so nothing was saved. Try again in a moment.",
)


def busy_database(exc: BaseException) -> Busy | None:
    """What to answer for a lock wait or a statement that ran out of time, else None."""
    if not isinstance(exc, OperationalError):
        return None
    cause = exc.__cause__ or exc
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state == LOCK_NOT_AVAILABLE:
        return BUSY
    if state == QUERY_CANCELED:
        return SLOW
    return None
