"""Run the whole suite twice: on PostgreSQL, then on SQLite (the embedded default).

With CI=true a missing PostgreSQL or Redis fails the run. On a laptop without them, the
PostgreSQL pass is left out with a warning and Redis-backed tests skip with a reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/painclinic")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_answers() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means the pass cannot run
        return str(exc)
    return None


def redis_answers() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        return str(exc)
    return None


def pytest(database_url: str, label: str, extra: list[str]) -> int:
    env = {**os.environ, "DATABASE_URL": database_url, "TEST_REDIS_URL": REDIS_URL}
    print(f"\n=== {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *extra], cwd=ROOT, env=env)


def main() -> int:
    pg_error, redis_error = postgres_answers(), redis_answers()
    for name, error in (("PostgreSQL", pg_error), ("Redis", redis_error)):
        if error:
            print(f"{name} does not answer: {error}", file=sys.stderr)
    if IN_CI and (pg_error or redis_error):
        print("CI needs PostgreSQL and Redis; failing rather than skipping.", file=sys.stderr)
        return 1

    extra = sys.argv[1:]
    results = []
    if pg_error:
        print("warning: leaving out the PostgreSQL pass.", file=sys.stderr)
    else:
        results.append(pytest(PG_URL, "PostgreSQL", extra))
    results.append(pytest("", "SQLite", extra))
    return max(results)


if __name__ == "__main__":
    sys.exit(main())
