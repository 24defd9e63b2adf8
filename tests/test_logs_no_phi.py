"""Logs carry no patient data: a real server's output after searches and refused input.

A patient's name reaches the server in a search's query string and in a JSON body. The
development server (`make run`'s runserver, DEBUG on) and the production one (gunicorn with
its access log, DEBUG off, JSON lines) both run here on a free loopback port against their
own migrated SQLite file; their whole output must name the paths and never the patient.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from config.logging import JsonFormatter, NoQueryStrings, strip_query_strings
from tests.servers import SETTINGS_ENV, Server, free_port, gunicorn_command, serve

ROOT = Path(__file__).resolve().parent.parent
NAME = "Zebedee"
USERNAME = "log-check"
PASSWORD = "log-check-pw-81"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a fresh site: its own VAR_DIR and SQLite file, migrated, one manager."""
    var = tmp_path_factory.mktemp("logsite")
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(
        {
            "VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'clinic.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for step in (
        ["migrate", "--noinput"],
        ["create_staff", USERNAME, "--role", "manager", "--password", PASSWORD],
    ):
        done = subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    return env


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def browser() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirects())
    return opener, jar


def call(
    opener: urllib.request.OpenerDirector,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def api_token(opener: urllib.request.OpenerDirector, server: Server) -> str:
    body = json.dumps({"username": USERNAME, "password": PASSWORD}).encode()
    status, answer = call(
        opener,
        server.url("/api/auth/token/"),
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert status == 200, answer
    return json.loads(answer)["token"]


def search_and_refuse_by_api(opener: urllib.request.OpenerDirector, server: Server) -> None:
    """A search by name that finds no one, a missing patient asked for with the name in the
    query string, and a registration whose JSON body names the patient but fails validation."""
    auth = {"Authorization": f"Token {api_token(opener, server)}"}
    status, answer = call(opener, server.url(f"/api/patients/?q={NAME}"), headers=auth)
    assert (status, json.loads(answer)) == (200, [])
    status, _ = call(opener, server.url(f"/api/patients/999999/?q={NAME}"), headers=auth)
    assert status == 404
    body = {
        "mrn": f"{NAME}-1",
        "first_name": NAME,
        "last_name": NAME,
        "birth_date": f"not a date, {NAME}",
        "email": f"{NAME.lower()}@example.org",
    }
    status, answer = call(
        opener,
        server.url("/api/patients/"),
        data=json.dumps(body).encode(),
        headers={**auth, "Content-Type": "application/json"},
    )
    assert status == 400, answer
    assert "birth_date" in json.loads(answer)


def test_the_development_server_logs_paths_but_no_name_searched_for_or_sent(site, tmp_path):
    port = free_port()
    env = {**site, "DEBUG": "true"}
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]

    with serve(command, env, port, tmp_path / "runserver.log") as server:
        opener, jar = browser()
        status, _ = call(opener, server.url("/login/"))
        assert status == 200
        csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        form = {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
        status, _ = call(
            opener,
            server.url("/login/"),
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": server.url("/login/")},
        )
        assert status == 302, "signed in, sent on to the start page"
        status, page = call(opener, server.url(f"/patients/?q={NAME}"))
        assert status == 200
        assert NAME in page.decode(), "the page itself shows what was searched for"
        search_and_refuse_by_api(opener, server)
    # Read once the server has stopped: an access line is written after its response is sent,
    # so it may still be on its way while the client reads the answer.
    log = server.text()

    assert '"GET /patients/ HTTP/1.1" 200' in log
    assert '"GET /api/patients/ HTTP/1.1" 200' in log
    assert "Not Found: /api/patients/999999/" in log
    assert '"GET /api/patients/999999/ HTTP/1.1" 404' in log
    assert "Bad Request: /api/patients/" in log
    assert NAME not in log
    assert NAME.lower() not in log


def test_the_production_server_logs_json_lines_with_paths_but_no_name(site, tmp_path):
    port = free_port()
    env = {
        **site,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "ALLOW_DEV_CHANNELS": "true",
    }
    command = gunicorn_command(port, access_log=True)

    with serve(command, env, port, tmp_path / "gunicorn.log") as server:
        opener, _ = browser()
        status, _ = call(opener, server.url(f"/patients/?q={NAME}"))
        assert status == 302, "a page asked for without signing in sends to the sign-in page"
        search_and_refuse_by_api(opener, server)
    # Read once the server has stopped: an access line is written after its response is sent,
    # so it may still be on its way while the client reads the answer.
    log = server.text()

    assert re.search(r'"GET /patients/ HTTP/1.1" 302 ', log)
    assert re.search(r'"GET /api/patients/ HTTP/1.1" 200 ', log)
    assert re.search(r'"POST /api/patients/ HTTP/1.1" 400 ', log)
    django_lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    not_found = next(e for e in django_lines if e["message"] == "Not Found: /api/patients/999999/")
    assert not_found["request"] == "GET /api/patients/999999/"
    assert any(e["message"] == "Bad Request: /api/patients/" for e in django_lines)
    assert NAME not in log
    assert NAME.lower() not in log


# --- the filter and the formatter on their own ---------------------------------------------------


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"GET /patients/?q=Smith HTTP/1.1" 200 512', '"GET /patients/ HTTP/1.1" 200 512'),
        ("<WSGIRequest: GET '/patients/?q=Smith'>", "<WSGIRequest: GET '/patients/'>"),
        ("GET /desk/?q=O'Brien&page=2 HTTP/1.1", "GET /desk/ HTTP/1.1"),
        ("https://clinic.example/patients/?q=Smith", "https://clinic.example/patients/"),
        ("GET /?q=Smith", "GET /"),
        ("Not Found: /api/patients/12/", "Not Found: /api/patients/12/"),
        ("Is the broker up? No.", "Is the broker up? No."),
    ],
)
def test_query_strings_are_cut_from_paths_and_nothing_else(text, expected):
    assert strip_query_strings(text) == expected


def test_the_filter_cuts_the_query_string_from_a_request_line_passed_as_arguments():
    record = _record('"%s" %s %s', "GET /patients/?q=Smith HTTP/1.1", "200", "512")

    assert NoQueryStrings().filter(record) is True
    assert record.getMessage() == '"GET /patients/ HTTP/1.1" 200 512'


def test_the_filter_turns_a_django_request_into_method_and_path(rf):
    request = rf.get("/patients/", {"q": "Smith"})
    record = _record("Not Found: %s", request.path, request=request, note="/x/?q=Smith")

    NoQueryStrings().filter(record)

    assert record.request == "GET /patients/"  # type: ignore[attr-defined]
    assert record.note == "/x/"  # type: ignore[attr-defined]


def test_the_filter_cuts_query_strings_from_a_traceback():
    try:
        raise ValueError("could not read /patients/?q=Smith")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    NoQueryStrings().filter(record)
    line = logging.Formatter("%(message)s").format(record)

    assert "ValueError: could not read /patients/" in line
    assert "Smith" not in line


def test_the_json_formatter_alone_writes_a_request_as_method_and_path(rf):
    # Even without the filter (a handler someone adds later), no query string gets out.
    request = rf.get("/patients/", {"q": "Smith"})
    record = _record("Not Found: %s", "/patients/", request=request)

    entry = json.loads(JsonFormatter().format(record))

    assert entry["request"] == "GET /patients/"
    assert "Smith" not in json.dumps(entry)
