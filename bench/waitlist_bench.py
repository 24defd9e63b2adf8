"""A cancellation's cost with the waitlist: the freed time is matched in the cancelling
transaction against every waiting entry whose window holds its date, each asked what booking
asks (place and rules). This prints the cancellation's time and queries with 0, 10, 50 and
100 such entries, on the scheduling benchmark's PostgreSQL database (a clinic of 1,000,000
appointments; run scheduling_bench.py first, or let `make bench` run both).

Each measurement runs in a transaction rolled back at its end: the database is left as found.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/painclinic_bench"
)
WAITING = (0, 10, 50, 100)
ROUNDS = 3


class RolledBack(Exception):
    """Raised to leave the measuring transaction without keeping anything."""


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from scheduling_bench import build_data, ensure_database

    ensure_database(BENCH_DB)
    os.environ.update(
        DATABASE_URL=BENCH_DB,
        DEBUG="false",
        SECRET_KEY="bench-" + "x" * 60,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        # No message is sent here; the development channels are allowed, as in the other benches.
        ALLOW_DEV_CHANNELS="true",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    build_data()  # the benchmark clinic, built once and reused
    from django.core.management import call_command

    # The benchmark database may predate the waitlist's tables.
    call_command("migrate", verbosity=0)


def measure(waiting: int) -> tuple[float, int, int]:
    """One cancellation with `waiting` entries that could fit: (ms, queries, matches)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from clinic.models import Patient
    from procedures.models import ProcedureType
    from scheduling import services
    from scheduling.availability import local_date
    from scheduling.models import FreedSlot
    from scheduling.slots import SlotQuery, find_slots
    from scheduling.waitlist.entries import waitlist_add

    procedure = ProcedureType.objects.get(code="ESI_IL")
    found: dict[str, float | int] = {}
    try:
        with transaction.atomic():
            stamp = time.time_ns()
            patients = [
                Patient.objects.create(
                    mrn=f"WB-{stamp}-{n}",
                    first_name="Wait",
                    last_name=f"Bench {n}",
                    birth_date=dt.date(1960, 1, 1),
                )
                for n in range(waiting + 1)
            ]
            cancelling, others = patients[0], patients[1:]
            query = SlotQuery(
                procedure,
                timezone.now() + dt.timedelta(days=7),
                limit=1,
                patient=cancelling,
                region="lumbar",
                side="left",
            )
            [slot] = find_slots(query)
            day = local_date(slot.start)
            for patient in others:
                waitlist_add(
                    patient=patient,
                    procedure_type=procedure,
                    region="lumbar",
                    side="right",
                    earliest=day - dt.timedelta(days=7),
                    latest=day + dt.timedelta(days=7),
                    acting_user=None,
                )
            case = services.appointment_book(
                patient=cancelling,
                procedure_type=procedure,
                region="lumbar",
                side="left",
                provider=slot.provider,
                room=slot.room,
                start=slot.start,
                acting_user=None,
            )
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                services.appointment_cancel(appointment=case, reason="bench", acting_user=None)
                found["ms"] = (time.perf_counter() - started) * 1000
            found["queries"] = len(queries)
            found["matches"] = FreedSlot.objects.get(appointment=case).matches.count()
            raise RolledBack
    except RolledBack:
        pass
    return float(found["ms"]), int(found["queries"]), int(found["matches"])


def main() -> int:
    setup_django()
    print("cancellation with the waitlist matched in its transaction (PostgreSQL, bench db)")
    print(f"{'waiting':>8} {'median ms':>10} {'queries':>8} {'matched':>8}")
    for waiting in WAITING:
        runs = [measure(waiting) for _ in range(ROUNDS)]
        ms = statistics.median(r[0] for r in runs)
        print(f"{waiting:>8} {ms:>10.1f} {runs[-1][1]:>8} {runs[-1][2]:>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
