"""Memory of the processes that run for days: a gunicorn worker and a Celery worker.

Web: gunicorn with two workers, never recycled (GUNICORN_MAX_REQUESTS=0, so a leak has
nowhere to hide), on the benchmark database, answers 10,000 requests from four client
threads: the mix of a clinic's day, API reads (a patient, their appointments, a slot
search), pages (the patient page, the nurse's worklist, the calendar day by room), and one
request in twenty a booking. Celery: the worker of reminders_bench.py (prefork, two pool
processes) sends 10,000 reminders.

Each process's resident memory (VmRSS in /proc) is read when half the work is done and at
the end, and its peak (VmHWM) at the end. Memory that grows over the second half, once
every code path has run and every cache is warm, is the sign of a leak. The largest figures
of the processes (the gunicorn workers; the Celery main process and its pool) are printed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import reminders_bench  # noqa: E402 (beside this file)

REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "10000"))
REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))
PORT = int(os.environ.get("BENCH_MEMORY_PORT", "8766"))
WEB_WORKERS = 2
CLIENTS = 4
AIM_WEB_MB, AIM_CELERY_MB, AIM_GROWTH = 150, 200, 5.0
# One client's cycle of twenty requests: what a desk and a nurse's station ask all day.
MIX = (
    ["api patient"] * 6
    + ["api appointments"] * 4
    + ["api slots"] * 3
    + ["patient page"] * 2
    + ["worklist"] * 2
    + ["calendar"] * 2
    + ["booking"]
)


@dataclass
class Memory:
    rss_kib: int
    peak_kib: int


def memory_of(pid: int) -> Memory:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return Memory(fields["VmRSS"], fields["VmHWM"])


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@dataclass
class Figures:
    peak_mb: float
    growth_percent: float


def figures(half: dict[int, Memory], end: dict[int, Memory]) -> Figures:
    """The largest peak and the largest growth over the second half, among the processes."""
    missing = half.keys() - end.keys()
    if missing:
        raise SystemExit(f"processes {sorted(missing)} ended during the run (recycled?)")
    return Figures(
        peak_mb=max(m.peak_kib for m in end.values()) / 1024,
        growth_percent=max(
            (end[pid].rss_kib - half[pid].rss_kib) / half[pid].rss_kib * 100 for pid in half
        ),
    )


# --- Web -------------------------------------------------------------------------------------


@dataclass
class Caller:
    """Makes one request of a kind; sessions for the pages, a token for the API."""

    token: str
    cookie: str
    patients: list[int]
    day: dt.date
    book: Callable[[int, int], dict[str, object]]

    def __call__(self, kind: str, client: int, n: int) -> int:
        patient = self.patients[(client * 7919 + n * 104729) % len(self.patients)]
        day = self.day + dt.timedelta(days=n % 20)
        match kind:
            case "api patient":
                return self._api("GET", f"/api/patients/{patient}/")
            case "api appointments":
                return self._api("GET", f"/api/appointments/?patient={patient}")
            case "api slots":
                after = dt.datetime.combine(day, dt.time(8)).isoformat()
                return self._api(
                    "GET",
                    f"/api/slots/?procedure_type=TPI&patient={patient}&region=lumbar"
                    f"&side=left&after={after}",
                )
            case "patient page":
                return self._page(f"/patients/{patient}/")
            case "worklist":
                return self._page(f"/station/?date={day.isoformat()}")
            case "calendar":
                return self._page(f"/calendar/?date={day.isoformat()}&view=day&by=room")
            case "booking":
                return self._api("POST", "/api/appointments/", self.book(client, n))
        raise ValueError(kind)

    def _api(self, method: str, path: str, body: dict[str, object] | None = None) -> int:
        headers = {"Authorization": f"Token {self.token}", "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        return _send(urllib.request.Request(_url(path), data, headers, method=method))

    def _page(self, path: str) -> int:
        return _send(urllib.request.Request(_url(path), headers={"Cookie": self.cookie}))


def _url(path: str) -> str:
    return f"http://127.0.0.1:{PORT}{path}"


def _send(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def prepare_web() -> Caller:
    """Users, a session, a token, the patients to read and the bookings' free places."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from clinic.api.tokens import issue_token
    from clinic.models import Patient, Provider, Room
    from clinic.roles import assign_role
    from scheduling.availability import Calendar, at_local

    # DEBUG is off: pages link their styles through the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    users = get_user_model().objects
    scheduler, _ = users.get_or_create(username="bench-memory-scheduler")
    assign_role(scheduler, "scheduler")
    manager, _ = users.get_or_create(username="bench-memory-manager")
    assign_role(manager, "manager")
    browser = Client()
    browser.force_login(manager)
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    # Patients with a history to show: 500 of those with the most cases.
    patients = list(
        Patient.objects.annotate(cases=Count("appointments"))
        .filter(cases__gte=5)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    # Bookings: patients of their own with no history (no rule refuses them), each client
    # its own provider and room, on empty days past the data's year ahead and the scheduling
    # bench's bookings, inside the booking horizon (18 months).
    per_client = REQUESTS // len(MIX) + 1
    mrns = [f"MB{i:06d}" for i in range(CLIENTS * per_client)]
    existing = set(Patient.objects.filter(mrn__in=mrns).values_list("mrn", flat=True))
    Patient.objects.bulk_create(
        Patient(
            mrn=mrn,
            first_name="Memory",
            last_name=f"Bench {mrn}",
            birth_date=dt.date(1970, 1, 1),
            email="memory-bench@example.org",
        )
        for mrn in mrns
        if mrn not in existing
    )
    bookers = dict(Patient.objects.filter(mrn__in=mrns).values_list("mrn", "pk"))
    providers = list(Provider.objects.order_by("pk").values_list("pk", flat=True)[:CLIENTS])
    rooms = list(Room.objects.order_by("pk").values_list("pk", flat=True)[:CLIENTS])
    first_day = timezone.localdate() + dt.timedelta(days=480)
    span = [first_day + dt.timedelta(days=i) for i in range(60)]
    calendar = Calendar.load(first=span[0], last=span[-1], provider_ids=[], room_ids=[])
    starts = [
        at_local(day, dt.time(8)) + dt.timedelta(hours=hour)
        for day in span
        if not calendar.closed_because(day)
        for hour in range(9)
    ]
    connection.close()

    def book(client: int, n: int) -> dict[str, object]:
        booking = n // len(MIX)
        return {
            "patient": bookers[mrns[client * per_client + booking]],
            "procedure_type": "SYMPATHETIC",
            "region": "lumbar",
            "side": "left",
            "provider": providers[client],
            "room": rooms[client],
            "start": starts[booking].isoformat(),
        }

    day = timezone.localdate() + dt.timedelta(days=1)
    return Caller(issue_token(scheduler)[1], cookie, patients, day, book)


def bench_web() -> tuple[Figures, Counter[tuple[str, int]], float]:
    caller = prepare_web()
    env = {
        **os.environ,
        **reminders_bench.PRODUCTION_ENV,
        "LOG_LEVEL": "ERROR",
        # The rate limit stays in the path, far above the bench's pace.
        "API_RATE_PER_USER": "1000000/minute",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi"),
            *("-w", str(WEB_WORKERS), "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    codes: Counter[tuple[str, int]] = Counter()
    samples: dict[str, dict[int, Memory]] = {}
    try:
        _wait_for_server(server)
        workers = children(server.pid)
        done = itertools.count(1)
        lock = threading.Lock()

        def client(index: int) -> None:
            for n in range(index, REQUESTS, CLIENTS):
                kind = MIX[(n // CLIENTS) % len(MIX)]
                status = caller(kind, index, n // CLIENTS)
                with lock:
                    codes[kind, status] += 1
                    if next(done) == REQUESTS // 2:
                        samples["half"] = {pid: memory_of(pid) for pid in workers}

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        samples["end"] = {pid: memory_of(pid) for pid in children(server.pid)}
    finally:
        server.terminate()
        server.wait(timeout=30)
        _remove_bookings()
    return figures(samples["half"], samples["end"]), codes, REQUESTS / elapsed


def _wait_for_server(server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            if _send(urllib.request.Request(_url("/healthz"))) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in 60 s")


def _remove_bookings() -> None:
    """So the next run books the same empty days."""
    from django.db import connection

    from scheduling.models import Appointment

    Appointment.objects.filter(patient__mrn__startswith="MB").delete()
    connection.close()


# --- Celery ----------------------------------------------------------------------------------


def bench_celery(work_dir: Path) -> Figures:
    samples: dict[str, dict[int, Memory]] = {}

    def watch(sent: int, worker: subprocess.Popen[bytes]) -> None:
        processes = [worker.pid, *children(worker.pid)]
        if "half" not in samples and sent >= REMINDERS // 2:
            samples["half"] = {pid: memory_of(pid) for pid in processes}
        if sent >= REMINDERS:
            samples["end"] = {pid: memory_of(pid) for pid in processes}

    run = reminders_bench.bench_reminders(REMINDERS, work_dir / "mail", work_dir, watch)
    if run.missing or run.duplicates:
        raise SystemExit(f"reminders: {run.missing} missing, {run.duplicates} duplicates")
    return figures(samples["half"], samples["end"])


def main() -> None:
    work_dir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        report(work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def report(work_dir: Path) -> None:
    reminders_bench.setup_django(work_dir / "mail")
    web, codes, rate = bench_web()
    unexpected = {key: n for key, n in codes.items() if key[1] not in (200, 201)}
    print(
        f"gunicorn worker after {REQUESTS:,} mixed requests ({WEB_WORKERS} workers, "
        f"{CLIENTS} clients, {rate:.0f}/s): peak {web.peak_mb:.0f} MB (aim < {AIM_WEB_MB} MB), "
        f"growth over the second half {web.growth_percent:+.1f}% (aim < {AIM_GROWTH:.0f}%)"
    )
    if unexpected:
        print(f"  unexpected answers (kind, status): count: {unexpected}")
    celery = bench_celery(work_dir)
    print(
        f"Celery worker after {REMINDERS:,} reminders (main process and "
        f"{reminders_bench.PROCESSES} pool processes): peak {celery.peak_mb:.0f} MB "
        f"(aim < {AIM_CELERY_MB} MB), growth over the second half "
        f"{celery.growth_percent:+.1f}% (aim < {AIM_GROWTH:.0f}%)"
    )


if __name__ == "__main__":
    main()
