"""Server time and queries of the manager's dashboard, at two table sizes.

`/dashboard/` for its default range (the last 30 days and the next 14), for a whole year, and
`/dashboard/stuck/`, rendered in-process (Django's test client, DEBUG off, signed in as a
manager), each `BENCH_DASHBOARD_RUNS` times after two warm-up renders, on the benchmark
database (1,000,000 appointments, bench_data.py) and on the small one (1,000). The first
render is timed apart: it fills the per-process caches (the access measure's slot searches).
The query count must be the same at both sizes. `BENCH_SLOW_QUERIES=N` also prints each
page's N slowest queries on the large database, to find what an index should serve.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "20"))
SLOW_QUERIES = int(os.environ.get("BENCH_SLOW_QUERIES", "0"))
SIZES = {"small": 1_000, "large": 1_000_000}
# The aims for /dashboard/; it sets none for /dashboard/stuck/: the default range's.
AIMS_MS = {"dashboard, default range": 200, "dashboard, a year": 1000, "stuck patients": 200}


def _pages() -> dict[str, str]:
    from django.utils import timezone

    today = timezone.localdate()
    year = f"from={(today - dt.timedelta(days=365)).isoformat()}&to={today.isoformat()}"
    return {
        "dashboard, default range": "/dashboard/",
        "dashboard, a year": f"/dashboard/?{year}",
        "stuck patients": "/dashboard/stuck/",
    }


def measure(database_url: str, total: int) -> dict[str, dict[str, object]]:
    """Build (once) and measure one database; returns figures per page."""
    import bench_data
    import scheduling_bench
    from pages_bench import _configure

    scheduling_bench.ensure_database(database_url)
    _configure(database_url)
    if total > 50_000:
        bench_data.build(total)
    else:
        bench_data.build(total, days_ahead=7, density=0.4)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from clinic.roles import assign_role

    call_command("collectstatic", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="bench-manager")
    assign_role(user, "manager")
    client = Client()
    client.force_login(user)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    figures: dict[str, dict[str, object]] = {"server": {"jit": jit}}
    for name, url in _pages().items():
        started = time.perf_counter()
        response = client.get(url)
        first_ms = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        # Read now: the next request empties the connection's query log.
        captured = list(queries.captured_queries)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        slowest = sorted(captured, key=lambda q: -float(q["time"]))[:SLOW_QUERIES]
        figures[name] = {
            "first_ms": first_ms,
            "median_ms": statistics.median(timings),
            "p95_ms": sorted(timings)[max(0, int(len(timings) * 0.95) - 1)],
            "queries": len(captured),
            "query_ms": sum(float(q["time"]) for q in captured) * 1000,
            "slowest": [(float(q["time"]) * 1000, q["sql"]) for q in slowest],
        }
    connection.close()
    return figures


def main() -> int:
    if len(sys.argv) == 3:  # a child: measure one database, print JSON
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
        return 0
    from pages_bench import measure_each_database

    results = measure_each_database(__file__, SIZES)
    if results is None:
        return 1
    small, large = SIZES["small"], SIZES["large"]
    # Just-in-time compilation of the plans of large aggregate queries costs a dashboard
    # query 0.1 to 0.6 s of compiling: whether it is on matters to every figure below.
    print(f"PostgreSQL jit={results['large'].pop('server')['jit']}")
    results["small"].pop("server")
    print(
        f"{'page':<26} {'appointments':>12} {'median':>9} {'p95':>9} {'first':>9} "
        f"{'queries':>8} {'in SQL':>9}"
    )
    for name in results["large"]:
        for label in ("small", "large"):
            f = results[label][name]
            print(
                f"{name:<26} {SIZES[label]:>12,} {f['median_ms']:>7.1f}ms {f['p95_ms']:>7.1f}ms "
                f"{f['first_ms']:>7.1f}ms {f['queries']:>8} {f['query_ms']:>7.1f}ms"
            )
        same = results["small"][name]["queries"] == results["large"][name]["queries"]
        aim = AIMS_MS[name]
        met = results["large"][name]["median_ms"] < aim
        print(
            f"  {name}: median {'under' if met else 'OVER'} {aim} ms at {large:,}; "
            f"query count {'the same' if same else 'DIFFERS'} at {small:,} and {large:,}"
        )
        for ms, sql in results["large"][name]["slowest"]:
            print(f"    {ms:7.1f} ms  {' '.join(sql.split())[:600]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
