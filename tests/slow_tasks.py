"""Tasks that hang, for tests/test_task_time_limits.py. Only the test's worker imports this
module (`celery worker -I tests.slow_tasks`); production workers never see these tasks.

Each task appends what it lived through to a file the test reads: a line per event, with the
pool process's id, since the results backend is off (task_ignore_result).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

# Far beyond any limit the tests set: these tasks end only when the limits end them.
HANG_SECONDS = 60


def note(record: str, event: str) -> None:
    with Path(record).open("a") as out:
        out.write(f"{event} {os.getpid()}\n")


@shared_task(ignore_result=True)
def hang(record: str, heed_soft_limit: bool) -> None:
    """Hang; at the soft limit, stop (heed) or carry on hanging until the hard limit kills."""
    note(record, "started")
    try:
        time.sleep(HANG_SECONDS)
    except SoftTimeLimitExceeded:
        note(record, "soft-limit")
        if heed_soft_limit:
            note(record, "cleaned-up")
            return
        time.sleep(HANG_SECONDS)  # deaf to the warning: only the hard limit ends this
    note(record, "woke")  # never reached while the limits work


@shared_task(ignore_result=True)
def quick(record: str) -> None:
    note(record, "quick")
