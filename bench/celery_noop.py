"""Celery's own limit: a task that does nothing, on the project's broker settings.

The app takes every CELERY_* value from config/settings.py (late acknowledgement, requeue
on a lost worker, a prefetch of one, time limits, results ignored), read rather than
copied so the two cannot drift apart. It has no Django: no fixup, no task discovery, no
database, so what a worker of it does per task is Celery's and Redis's work alone. Each
task adds one to a Redis counter, the least it can do to be counted as done; the one that
brings it to `total` writes the time, when the run ended.

Run from this folder: `celery -A celery_noop worker --pool=prefork --concurrency=2`, with
CELERY_BROKER_URL (and NOOP_COUNTER_URL, the Redis database of the counter) set.
"""

from __future__ import annotations

import os
import sys
import time
import types
from pathlib import Path

import redis
from celery import Celery

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import settings as project  # noqa: E402 (the project's root is on the path now)

COUNTER_KEY = "bench:noop:done"
FINISHED_KEY = "bench:noop:finished"

# fixups=[]: no Django fixup, which would set Django up and close its connections per task.
app = Celery("celery_noop", fixups=[], set_as_current=False)
app.config_from_object(
    types.SimpleNamespace(
        **{name: getattr(project, name) for name in dir(project) if name.startswith("CELERY_")}
    ),
    namespace="CELERY",
)

_counter: redis.Redis | None = None


def counter() -> redis.Redis:
    """One connection per pool process, opened at its first task (after the fork)."""
    global _counter
    if _counter is None:
        url = os.environ.get("NOOP_COUNTER_URL") or project.CELERY_BROKER_URL
        _counter = redis.Redis.from_url(url)
    return _counter


@app.task(name="bench.noop")
def noop(total: int) -> None:
    if counter().incr(COUNTER_KEY) == total:
        counter().set(FINISHED_KEY, time.time())
