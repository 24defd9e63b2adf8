"""Server time, queries and memory of the scheduler's busiest pages, at two table sizes.

The patient page, the booking page's slot results, the calendar day by room and the nurse's
worklist are rendered
in-process (Django's test client, DEBUG off, no network), each 30 times after two warm-up
runs, on the benchmark database (1,000,000 appointments, built by bench_data.py) and on a
small one (1,000 appointments). The query count of a page must be the same on both:
a count that grows with the table is a query per row somewhere.

Each database is measured in a process of its own (settings are read once per process).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "30"))
SMALL_DB = os.environ.get(
    "BENCH_SMALL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/painclinic_bench_small"
)
SIZES = {"small": 1_000, "large": 1_000_000}
AIM_MS = 150


def _configure(database_url: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + "x" * 60,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "ERROR",
            # The development email and SMS stores, which production refuses unless told.
            "ALLOW_DEV_CHANNELS": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import django

    django.setup()


def _pages() -> dict[str, str]:
    """The URLs to measure, on data both databases have: a busy patient, tomorrow's rooms."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from clinic.models import Patient, Room

    # The busiest patient of one payer on both databases: the payer decides the rule set
    # read, so a different payer would change the count for a reason other than size.
    patient = (
        Patient.objects.filter(mrn__startswith="B", payer__code="medicare")
        .annotate(cases=Count("appointments"))
        .order_by("-cases", "pk")
        .first()
    )
    assert patient is not None, "the benchmark database has no patients"
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return {
        "patient page": f"/patients/{patient.pk}/",
        "booking slot results": (
            f"/book/?patient={patient.pk}&procedure_type=TPI&region=cervical&side=left"
            f"&from={day.isoformat()}"
        ),
        "calendar day by room": f"/calendar/?date={day.isoformat()}&view=day&by=room",
        # The nurse's worklist: the whole day (every room full, about 90 cases), and one
        # room's dozen, whose query count must be the same.
        "worklist, whole day": f"/station/?date={day.isoformat()}",
        "worklist, one room": (
            f"/station/?date={day.isoformat()}&room={Room.objects.order_by('pk').first().pk}"
        ),
    }


def measure(database_url: str, total: int) -> dict[str, dict[str, float]]:
    """Build (once) and measure one database; returns figures per page."""
    import bench_data
    import scheduling_bench

    scheduling_bench.ensure_database(database_url)
    _configure(database_url)
    if total > 50_000:
        bench_data.build(total)
    else:  # about 1,000 appointments: a week either side of today, the rooms less full
        bench_data.build(total, days_ahead=7, density=0.4)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.roles import assign_role

    # DEBUG is off, as in production: pages link their styles through the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-pages")
    # A manager may open every page measured here: the desk's and the nurse's.
    assign_role(user, "manager")
    client = Client()
    client.force_login(user)
    figures: dict[str, dict[str, float]] = {}
    pages = _pages()
    for name, url in pages.items():
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, f"{url} answered {response.status_code}"
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Counted now: the next request's start empties the connection's query log, which
        # `captured_queries` reads lazily.
        query_count = len(queries.captured_queries)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        tracemalloc.start()
        client.get(url)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[name] = {
            "median_ms": statistics.median(timings),
            "p95_ms": sorted(timings)[max(0, int(len(timings) * 0.95) - 1)],
            "queries": query_count,
            "peak_kib": peak / 1024,
        }
    connection.close()
    return figures


def measure_each_database(script: str, sizes: dict[str, int]) -> dict | None:
    """Run `script <database url> <size>` once per database, each in a process of its own
    (settings are read once per process); its last line is its figures as JSON. None, with
    the child's output on stderr, when one fails."""
    from scheduling_bench import BENCH_DB

    results = {}
    for label, url in (("small", SMALL_DB), ("large", BENCH_DB)):
        child = subprocess.run(
            [sys.executable, script, url, str(sizes[label])],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if child.returncode != 0:
            print(child.stdout + child.stderr, file=sys.stderr)
            return None
        for line in child.stdout.splitlines()[:-1]:
            print(line)
        results[label] = json.loads(child.stdout.splitlines()[-1])
    return results


def main() -> int:
    if len(sys.argv) == 3:  # a child: measure one database, print JSON
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
        return 0
    results = measure_each_database(__file__, SIZES)
    if results is None:
        return 1
    small, large = SIZES["small"], SIZES["large"]
    print(f"{'page':<24} {'appointments':>12} {'median':>9} {'p95':>9} {'queries':>8} {'peak':>10}")
    for name in results["large"]:
        for label in ("small", "large"):
            f = results[label][name]
            print(
                f"{name:<24} {SIZES[label]:>12,} {f['median_ms']:>7.1f}ms {f['p95_ms']:>7.1f}ms "
                f"{f['queries']:>8.0f} {f['peak_kib']:>7.0f}KiB"
            )
        same = results["small"][name]["queries"] == results["large"][name]["queries"]
        met = results["large"][name]["median_ms"] < AIM_MS
        print(
            f"  {name}: median {'under' if met else 'OVER'} {AIM_MS} ms at {large:,}; "
            f"query count {'the same' if same else 'DIFFERS'} at {small:,} and {large:,}"
        )
    day, room = results["large"]["worklist, whole day"], results["large"]["worklist, one room"]
    print(
        f"  worklist: {day['queries']:.0f} queries for the whole day, {room['queries']:.0f} "
        f"for one room: {'the same' if day['queries'] == room['queries'] else 'DIFFERENT'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
