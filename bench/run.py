"""`make bench`: print the figures the issues set targets for. Not a test: nothing asserts."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def main() -> int:
    print(f"machine: {machine()}")
    status = 0
    for script in sys.argv[1:] or [
        "scheduling_bench.py",
        "pages_bench.py",
        "dashboard_bench.py",
        "reminders_bench.py",
        "waitlist_bench.py",
        "memory_bench.py",
    ]:
        print(f"\n== {script} ==", flush=True)
        status |= subprocess.call([sys.executable, str(HERE / script)])
    return status


if __name__ == "__main__":
    sys.exit(main())
