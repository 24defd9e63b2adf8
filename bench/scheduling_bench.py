"""Scheduling figures on PostgreSQL: slot search latency and booking throughput.

Data (bench_data.py): two sites, 20 rooms, 12 providers and 1,000,000 appointments, about
18 years back and one ahead, with about 100,000 patients, their history, authorizations,
reminders and audit trail; the next 30 days about 90% full. Built once into its own
database and reused while the row count matches.

Booking throughput goes through a real gunicorn server on loopback with four concurrent
clients, each booking its own provider and room on empty far-future days; the same
server and clients then hit a trivial authenticated endpoint, for the ratio.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/painclinic_bench"
)
TOTAL = 1_000_000
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = 4
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))


def setup_django() -> None:
    os.environ["DATABASE_URL"] = BENCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database(url: str = BENCH_DB) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def build_data(total: int = TOTAL) -> None:
    """The benchmark clinic (bench_data): built once, reused while the row count matches."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_data

    bench_data.build(total)


def bench_slot_search() -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone

    from procedures.models import ProcedureType
    from scheduling.slots import SlotQuery, find_slots

    mbb = ProcedureType.objects.get(code="MBB")
    now = timezone.now()
    timings = []
    for run in range(60):
        after = now + dt.timedelta(hours=run * 11)
        started = time.perf_counter()
        slots = find_slots(SlotQuery(procedure_type=mbb, after=after, limit=10, days=30))
        timings.append((time.perf_counter() - started) * 1000)
        assert len(slots) == 10, f"expected 10 slots, found {len(slots)}"
    connection.close()
    timings = timings[5:]  # the first runs warm the connection and caches
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": sorted(timings)[int(len(timings) * 0.95) - 1],
    }


def booking_body(patient: int, provider: int, room: int, start: dt.datetime) -> dict:
    """A booking the rules accept for a patient with no history: a sympathetic block."""
    return {
        "patient": patient,
        "procedure_type": "SYMPATHETIC",
        "region": "lumbar",
        "side": "left",
        "provider": provider,
        "room": room,
        "start": start.isoformat(),
    }


def _request(method: str, path: str, token: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _throughput(make_request, seconds: float) -> tuple[float, dict[int, int]]:
    """Run CLIENTS threads for `seconds`; each calls make_request(client, n). Requests/second."""
    counts: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    done = [0] * CLIENTS

    def client(index: int) -> None:
        n = 0
        while time.perf_counter() < deadline:
            status = make_request(index, n)
            n += 1
            with lock:
                counts[status] = counts.get(status, 0) + 1
        done[index] = n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - started), counts


def bench_booking() -> dict[str, float]:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from clinic.api.tokens import issue_token
    from clinic.models import Patient, Provider, Room
    from clinic.roles import assign_role
    from scheduling.availability import at_local

    user, _ = get_user_model().objects.get_or_create(username="bench-scheduler")
    assign_role(user, "scheduler")
    token = issue_token(user)[1]
    providers = list(Provider.objects.order_by("pk")[:CLIENTS])
    rooms = list(Room.objects.order_by("pk")[:CLIENTS])
    # Patients of their own, with no history: the bookings measure the booking path (every
    # check, the patient lock, reminders, holds, checklist), not a rule refusing them.
    per_client = 2000
    if Patient.objects.filter(mrn__startswith="BB").count() < CLIENTS * per_client:
        Patient.objects.filter(mrn__startswith="BB").delete()
        Patient.objects.bulk_create(
            Patient(
                mrn=f"BB{i:06d}",
                first_name="Booking",
                last_name=f"Bench {i}",
                birth_date=dt.date(1970, 1, 1),
                email="booking-bench@example.org",
            )
            for i in range(CLIENTS * per_client)
        )
    patients = list(
        Patient.objects.filter(mrn__startswith="BB").order_by("pk").values_list("pk", flat=True)
    )
    first_day = timezone.localdate() + dt.timedelta(days=400)
    from scheduling.availability import Calendar

    span = [first_day + dt.timedelta(days=i) for i in range(2000)]
    calendar = Calendar.load(first=span[0], last=span[-1], provider_ids=[], room_ids=[])
    weekdays = [day for day in span if not calendar.closed_because(day)]
    # 45-minute cases and 15 minutes of turnover: one an hour, 08:00 to 16:00.
    starts = [
        at_local(day, dt.time(8)) + dt.timedelta(minutes=60 * s)
        for day in weekdays
        for s in range(9)
    ]
    connection.close()

    env = {
        **os.environ,
        "DATABASE_URL": BENCH_DB,
        "DEBUG": "false",
        # This process's key: an API token is bound to its user by an HMAC under it.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONWARNINGS": "ignore::UserWarning",
        # The rate limit stays in the path (its cost is measured) but far above the bench's
        # pace: the bench measures the server, not the limit.
        "API_RATE_PER_USER": "1000000/minute",
        # The development email and SMS stores, which production refuses unless told.
        "ALLOW_DEV_CHANNELS": "true",
        # gunicorn.conf.py replaces workers every thousand requests; not within a measurement.
        "GUNICORN_MAX_REQUESTS": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            str(CLIENTS),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        answer: int | str = "no answer"
        for _ in range(100):
            try:
                answer = _request("GET", "/api/auth/me/", token)
                if answer == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError(f"the bench server did not answer 200 (last: {answer})")

        # Patient offsets per client keep every client's patients apart.
        def book(index: int, n: int) -> int:
            return _request(
                "POST",
                "/api/appointments/",
                token,
                booking_body(
                    patients[index * per_client + n % per_client],
                    providers[index].pk,
                    rooms[index].pk,
                    starts[n],
                ),
            )

        def trivial(index: int, n: int) -> int:
            return _request("GET", "/api/auth/me/", token)

        trivial(0, 0)
        baseline, baseline_codes = _throughput(trivial, SECONDS)
        bookings, booking_codes = _throughput(book, SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # Remove what the run booked so the next run starts from the same data.
    from scheduling.models import Appointment

    Appointment.objects.filter(start__gte=at_local(first_day, dt.time(0))).delete()
    connection.close()
    if set(booking_codes) != {201}:
        raise RuntimeError(f"bookings answered {booking_codes}")
    return {
        "bookings_per_s": bookings,
        "trivial_per_s": baseline,
        "ratio": bookings / baseline,
        "trivial_codes": baseline_codes,
    }


def booking_queries() -> int:
    """The queries of one booking through the API, in-process, once the process is warm (a
    first booking has built what the process keeps): what the server runs per booking."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from clinic.api.tokens import issue_token
    from clinic.models import Patient, Provider, Room
    from clinic.roles import assign_role
    from scheduling.availability import Calendar, at_local
    from scheduling.models import Appointment

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = get_user_model().objects.get_or_create(username="bench-scheduler")
    assign_role(user, "scheduler")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)[1]}")
    provider = Provider.objects.order_by("-pk").first()
    room = Room.objects.filter(fluoroscopy=True).order_by("-pk").first()
    first = timezone.localdate() + dt.timedelta(days=380)
    span = [first + dt.timedelta(days=i) for i in range(30)]
    calendar = Calendar.load(first=span[0], last=span[-1], provider_ids=[], room_ids=[])
    day = next(d for d in span if not calendar.closed_because(d))
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"BQ{i:06d}-{time.time_ns() % 10**9}",
            first_name="Query",
            last_name=f"Count {i}",
            birth_date=dt.date(1970, 1, 1),
            email="booking-bench@example.org",
        )
        for i in range(2)
    )
    counts = []
    try:
        for hour, patient in zip((8, 9), patients, strict=True):
            with CaptureQueriesContext(connection) as queries:
                answer = client.post(
                    "/api/appointments/",
                    booking_body(patient.pk, provider.pk, room.pk, at_local(day, dt.time(hour))),
                    format="json",
                )
            if answer.status_code != 201:
                raise RuntimeError(f"the counted booking answered {answer.status_code}")
            counts.append(len(queries.captured_queries))
    finally:
        Appointment.objects.filter(patient__in=patients).delete()
        Patient.objects.filter(pk__in=[p.pk for p in patients]).delete()
        connection.close()
    return counts[-1]


def main() -> None:
    ensure_database()
    setup_django()
    build_data()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"queries per booking through the API (warm process, BEGIN and COMMIT included): "
        f"{booking_queries()} (aim <= 16: 15, and the waitlist entry a booking closes)"
    )
    slot = bench_slot_search()
    print(
        f"slot search, next 10 slots over 30 days: median {slot['median_ms']:.1f} ms, "
        f"p95 {slot['p95_ms']:.1f} ms (aim < 50 ms)"
    )
    booking = bench_booking()
    print(
        f"bookings through the API, {CLIENTS} clients: {booking['bookings_per_s']:.0f}/s; "
        f"trivial authenticated endpoint: {booking['trivial_per_s']:.0f}/s; "
        f"ratio {booking['ratio']:.2f} (aim >= 0.33)"
    )


if __name__ == "__main__":
    main()
