"""A busy or slow database answers "try again" within seconds, never a hung page or a 500.

The lock test runs a real gunicorn (through gunicorn.conf.py, so a web process) against the
PostgreSQL test database, while a real second connection holds the patient's row the booking
must lock. The statement-timeout test makes PostgreSQL itself cancel a statement.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from clinic.api.errors import exception_handler
from clinic.api.tokens import issue_token
from clinic.db_errors import BUSY, SLOW, busy_database
from scheduling.models import Appointment
from scheduling.pages.busy import BusyDatabaseMiddleware
from tests.factories import PatientFactory
from tests.scheduling_helpers import booking_body, local, make_small_clinic
from tests.servers import SETTINGS_ENV, free_port, gunicorn_command, post, serve

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="lock and statement timeouts are PostgreSQL's"
)
ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


# serialized_rollback: the server sees only committed rows, so this test commits; the flush
# after it empties the tables, catalog included, and this puts the migrations' rows back.
@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_booking_waiting_on_a_locked_patient_answers_busy_within_seconds(tmp_path, make_staff):
    clinic = make_small_clinic()
    patient = PatientFactory()
    _, token = issue_token(make_staff("scheduler"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "DEBUG": "false",
            # The test's own key: a token is bound to the password through it.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "ALLOW_DEV_CHANNELS": "true",
            "VAR_DIR": str(tmp_path),
            "DB_LOCK_TIMEOUT_MS": "1000",
            "LOG_LEVEL": "WARNING",
        }
    )
    first = booking_body(clinic, patient.pk, local(2027, 3, 2, 9))
    with serve(gunicorn_command(port), env, port, tmp_path / "server.log") as server:
        holder = psycopg.connect(database_url(), autocommit=False)
        try:
            holder.execute("SELECT id FROM clinic_patient WHERE id = %s FOR UPDATE", [patient.pk])
            status, body, seconds = post(server.url("/api/appointments/"), token, first)
        finally:
            holder.rollback()
            holder.close()
        after = post(server.url("/api/appointments/"), token, first)

    assert status == 409, body
    assert body == {"code": "busy", "detail": BUSY.detail, "retry_after": 1}
    assert seconds < 5
    # Nothing half-written while refused; the same booking goes through once the lock is gone.
    assert after[0] == 201, after[1]
    assert Appointment.objects.filter(patient=patient).count() == 1


@ON_POSTGRES
@pytest.mark.django_db
def test_a_statement_cancelled_by_its_time_limit_is_told_as_slow_not_a_500(make_staff):
    with (
        pytest.raises(OperationalError) as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL statement_timeout = 50")
        cursor.execute("SELECT pg_sleep(2)")

    assert busy_database(raised.value) is SLOW
    api = exception_handler(raised.value, {})
    assert api is not None
    assert (api.status_code, api.data["code"], api["Retry-After"]) == (503, "database_slow", "1")
    # A page request meeting the same error gets a page that says so, not a 500.
    request = RequestFactory().post("/book/confirm/", HTTP_REFERER="http://testserver/book/")
    request.user = make_staff("scheduler")
    page = BusyDatabaseMiddleware(lambda r: HttpResponse()).process_exception(request, raised.value)
    assert page is not None
    assert page.status_code == 503
    text = page.content.decode()
    assert SLOW.detail in text
    assert 'href="http://testserver/book/"' in text


@pytest.mark.django_db
def test_other_database_errors_are_not_taken_for_a_busy_database():
    with pytest.raises(Exception) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")

    assert busy_database(raised.value) is None
    assert busy_database(ValueError("not a database error")) is None


def test_web_processes_get_the_timeouts_and_others_do_not(tmp_path):
    # gunicorn.conf.py marks its processes CLINIC_PROCESS=web; settings read it at start.
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV and k != "CLINIC_PROCESS"}
    base.update({"DATABASE_URL": "postgres://u@127.0.0.1:5432/x", "VAR_DIR": str(tmp_path)})

    def options(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**base, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert options(CLINIC_PROCESS="web") == (
        "-c jit=off -c lock_timeout=3000 -c statement_timeout=20000"
    )
    assert options() == "-c jit=off"


def test_celery_tasks_are_cut_off_before_a_reminder_lease_runs_out():
    from config.celery import app

    assert app.conf.task_soft_time_limit == 60
    assert app.conf.task_time_limit == 90
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.task_time_limit < settings.REMINDER_CLAIM_SECONDS


def test_gunicorn_reads_its_configuration_file_with_workers_timeouts_and_recycling():
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "config.wsgi"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = {
        key.strip(): value.strip()
        for key, _, value in (line.partition(" = ") for line in done.stdout.splitlines())
    }

    assert done.returncode == 0, done.stderr
    assert int(printed["workers"].strip()) == (os.cpu_count() or 1) * 2 + 1
    assert printed["timeout"].strip() == "30"
    assert printed["max_requests"].strip() == "1000"
    assert printed["max_requests_jitter"].strip() == "100"
