"""Reference data built once per process and kept while the rules version stands.

The catalog, the rule sets, the hold table, the checklist templates, the reminder rows, the
payers' lists, the rooms, the providers and the clinic's calendar change a few times a
month and are read by every booking. Each process keeps what it has built beside the rules
version's token it built it under (`RulesVersion`: database triggers give it a new random
token on any write to those tables, whoever writes), and reads the token, one small query,
before reusing anything. A manager's edit is therefore seen by every web and worker process
at its next read.

The token is read before the rows: a write committed in between leaves newer rows under an
older token, which the next read replaces; never older rows under a newer token.

`one_reading()` reads the token once for a whole operation (a booking), so the catalog, the
rules and the calendar it reads agree with one another and cost one query together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection

T = TypeVar("T")

# What this process has built, by name, with the token it was built under.
_kept: dict[Hashable, tuple[int, Any]] = {}

# Whether the rules version's table exists, asked once per process and again after every
# migrate (`forget`): code may run against a database migrated back before it.
_version_table: bool | None = None


@dataclass
class _Reading:
    """One operation's view: the token read once, and facts it has read about a patient."""

    token: int | None = None
    read: bool = False
    memo: dict[Hashable, Any] = field(default_factory=dict)


_reading: ContextVar[_Reading | None] = ContextVar("reference_reading", default=None)


def forget(**_: object) -> None:
    """After a migrate: the schema and the reference data may both have changed."""
    global _version_table
    _version_table = None
    _kept.clear()


def forget_kept() -> None:
    """Drop what this process keeps: the next read builds afresh (each test starts cold, so
    its query counts do not depend on the tests before it)."""
    _kept.clear()


def _read_token() -> int | None:
    from procedures.models import RulesVersion

    global _version_table
    if _version_table is None:
        _version_table = RulesVersion._meta.db_table in connection.introspection.table_names()
    if not _version_table:
        return None
    return RulesVersion.objects.filter(pk=1).values_list("token", flat=True).first()


def token() -> int | None:
    """The rules version now; None when there is none (a database migrated back before it,
    or a test database flushed), and then nothing is reused."""
    reading = _reading.get()
    if reading is None:
        return _read_token()
    if not reading.read:
        reading.token, reading.read = _read_token(), True
    return reading.token


@contextmanager
def one_reading() -> Iterator[None]:
    """Read the rules version once for everything inside (nested: the outer one counts).

    Only for operations that write no reference data themselves: inside, a change to the
    catalog would not be seen until the block ends."""
    if _reading.get() is not None:
        yield
        return
    handle = _reading.set(_Reading())
    try:
        yield
    finally:
        _reading.reset(handle)


def kept(name: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s result, built once per process and rules version."""
    current = token()
    if current is None:
        return build()
    hit = _kept.get(name)
    if hit is not None and hit[0] == current:
        return hit[1]
    value = build()
    _kept[name] = (current, value)
    return value


def per_reading(key: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s result, read once inside `one_reading()` (a patient's current drugs,
    asked by the rules and by the plan of one booking); read every time outside it."""
    reading = _reading.get()
    if reading is None:
        return build()
    if key not in reading.memo:
        reading.memo[key] = build()
    return reading.memo[key]
