"""Real server processes for tests: a free loopback port, and a server run until it answers
/healthz and stopped (with its workers) afterwards. Traffic stays on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60

# Settings the test run itself may have in its environment; each server gets its own.
SETTINGS_ENV = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "EMAIL_BACKEND",
    "SMS_BACKEND",
    "ALLOW_DEV_CHANNELS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def server_env(**settings: str) -> dict[str, str]:
    """This environment without the test run's own settings, with a server's `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(settings)
    return env


def development_server_env(database_url: str, var_dir: Path, secret_key: str) -> dict[str, str]:
    """A server on the development settings (their file broker and channels need no Redis)
    on the test's database, with the test process's key (API tokens are bound to it)."""
    return server_env(
        DATABASE_URL=database_url,
        DEBUG="true",
        SECRET_KEY=secret_key,
        VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
    )


def gunicorn_command(port: int, *, access_log: bool = False) -> list[str]:
    """gunicorn as production runs it: started in the project folder, so it reads
    gunicorn.conf.py (a web process: database timeouts, the log filter); one worker here."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        # Two test runs on one machine would otherwise share one control socket in $HOME.
        "--no-control-socket",
    ]
    if access_log:
        command += ["--access-logfile", "-"]
    return command


@contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel completes the handshake from the
    backlog) and never sends a byte: a server that hangs, or a firewall that swallows
    replies."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    output: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def serve(command: list[str], env: dict[str, str], port: int, output: Path) -> Iterator[Server]:
    """Run a server until it answers /healthz; stop it (and its workers) afterwards."""
    with output.open("w") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_SECONDS
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the server did not start:\n{output.read_text()}")
                time.sleep(0.2)
            yield Server(port, output)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def post(url: str, token: str, body: dict) -> tuple[int, dict, float]:
    """POST JSON with an API token: the status, the decoded answer and the seconds it took."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read()
    return status, json.loads(text or b"{}"), time.monotonic() - began
