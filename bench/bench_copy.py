"""Bulk loading for the benchmark database: COPY, with the tables' indexes built afterwards.

Loading a million rows into a table that already has its indexes and exclusion constraints
updates every index row by row; building them once over the loaded rows is several times
faster (what `pg_restore` does). `Loader` saves each table's secondary indexes and
constraints exactly as the migrations made them (`pg_get_indexdef`, `pg_get_constraintdef`),
drops them, loads each table with `COPY ... FREEZE` (rows written frozen and all-visible, so
index-only scans work without a VACUUM), and re-creates them in background connections as
soon as their tables are loaded, while the next tables load. Re-creating a constraint checks
every row: the data meets every constraint of the real schema (no overlapping active cases,
valid foreign keys, the check constraints). A failed statement fails the build.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import psycopg

WORKERS = 2  # background connections re-creating indexes (the machine has 2 cores)
SHOW_SLOWEST = 5


def _saved_statements(conn: psycopg.Connection, table: str) -> list[str]:
    """Statements that re-create the table's indexes and constraints, slowest first."""
    constraints = [
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
        for name, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype <> 'p' ORDER BY conname",
            [table],
        )
    ]
    # Indexes that no constraint owns (a constraint brings its own back).
    indexes = [
        definition
        for (definition,) in conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY i.indexrelid",
            [table],
        )
    ]
    # Exclusion constraints (GiST builds) take longest: started first, they overlap the most
    # with the loading of the next tables.
    return sorted(constraints, key=lambda s: " EXCLUDE " not in s) + indexes


def _drop_all(conn: psycopg.Connection, table: str) -> None:
    for (name,) in conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype <> 'p'",
        [table],
    ).fetchall():
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')
    for (name,) in conn.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        [table],
    ).fetchall():
        conn.execute(f'DROP INDEX "{name}"')


def _references_from_elsewhere(
    conn: psycopg.Connection, tables: Sequence[str]
) -> list[tuple[str, str, str]]:
    """(table, name, statement re-creating it) of each foreign key of a table not in `tables`
    that points at one of them."""
    return [
        (table, name, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        for table, name, definition in conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND confrelid::regclass::text = ANY(%s) AND NOT conrelid::regclass::text = ANY(%s)",
            [list(tables), list(tables)],
        )
    ]


class Loader:
    """Load `tables` bare, then give each its indexes and constraints back."""

    def __init__(self, url: str, tables: Sequence[str]) -> None:
        self.url = url
        self.tables = list(tables)
        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("SET synchronous_commit = off")
        # A foreign key waits for both its tables; anything else for its own.
        self.pending: list[tuple[set[str], str]] = []
        for table in self.tables:
            for statement in _saved_statements(self.conn, table):
                referenced = re.findall(r"REFERENCES (\w+)\(", statement)
                needs = {table, *(t for t in referenced if t in self.tables)}
                self.pending.append((needs, statement))
            self.pending.append(({table}, f'ANALYZE "{table}"'))
        # Foreign keys of other tables (empty ones: the waitlist's, the calendar feeds') that
        # point at a loaded table would refuse its TRUNCATE: dropped too, and re-created once
        # the tables they reference are loaded.
        for table, name, statement in _references_from_elsewhere(self.conn, self.tables):
            referenced = re.findall(r"REFERENCES (\w+)\(", statement)
            self.pending.append(({t for t in referenced if t in self.tables}, statement))
            self.conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for table in self.tables:
            _drop_all(self.conn, table)
        self.loaded: set[str] = set()
        self.local = threading.local()
        self.connections: list[psycopg.Connection] = []
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)
        self.futures: list[tuple[str, Future[float]]] = []
        self.started = time.perf_counter()

    def _run(self, statement: str) -> float:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg.connect(self.url, autocommit=True)
            conn.execute("SET maintenance_work_mem = '256MB'")
            self.connections.append(conn)
        started = time.perf_counter()
        conn.execute(statement)
        return time.perf_counter() - started

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Empty the table and COPY the rows in (frozen); then queue what it now can have."""
        names = ", ".join(f'"{c}"' for c in columns)
        count = 0
        with self.conn.transaction():
            # FREEZE needs the table emptied in the same transaction.
            self.conn.execute(f'TRUNCATE "{table}"')
            with self.conn.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN (FREEZE)') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        self.conn.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
        )
        self.loaded.add(table)
        ready = [s for needs, s in self.pending if needs <= self.loaded]
        self.pending = [(needs, s) for needs, s in self.pending if not needs <= self.loaded]
        self.futures += [(s, self.pool.submit(self._run, s)) for s in ready]
        return count

    def finish(self) -> None:
        """Wait for every index and constraint; raise the first failure."""
        assert not self.pending, f"tables never loaded: {self.pending}"
        waited = time.perf_counter()
        took: list[tuple[float, str]] = []
        try:
            for statement, future in self.futures:
                took.append((future.result(), statement))
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            for conn in [self.conn, *self.connections]:
                conn.close()
        print(
            f"  indexes and constraints: {len(self.futures)} statements, done "
            f"{time.perf_counter() - waited:.0f} s after the last table loaded",
            flush=True,
        )
        for seconds, statement in sorted(took, reverse=True)[:SHOW_SLOWEST]:
            print(f"    {seconds:5.1f} s  {statement[:110]}")
