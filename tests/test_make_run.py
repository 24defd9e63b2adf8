"""`make run`'s processes for real: honcho starts web, worker and beat from Procfile.dev, and
Ctrl-C (SIGINT to honcho) stops every one of them.

The embedded setup runs in a fresh VAR_DIR (SQLite file, filesystem broker, beat schedule)
on a free port, with the environment passed through to all three processes, as `make run`
does after `migrate` and `seed_demo`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_SECONDS = 60
STOP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may itself contain spaces or parentheses.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(root: int) -> set[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))):
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has exited; only its entry is left


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for(condition: Callable[[], bool], seconds: float, what: str, log: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = "".join(log[-40:])
            raise AssertionError(f"{what} within {seconds} s. Last output:\n{tail}")
        time.sleep(0.2)


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return json.load(response) if response.status == 200 else None
    except OSError:
        return None


def printed(log: list[str], process: str, text: str) -> bool:
    return any(line.split("|", 1)[0].strip().endswith(process) and text in line for line in log)


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    """`make run`'s environment: nothing but defaults, in a fresh VAR_DIR, on a free port."""
    env = {
        **os.environ,
        "VAR_DIR": str(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "DEBUG": "true",
        # Output through pipes arrives line by line, as on a terminal.
        "PYTHONUNBUFFERED": "1",
    }
    # The embedded setup, whatever the test run itself uses.
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY"):
        env.pop(name, None)
    return env


@dataclass
class Honcho:
    process: subprocess.Popen
    log: list[str]
    seen: set[int] = field(default_factory=set)

    def watch(self) -> set[int]:
        """Note honcho's processes now, so they can be killed even after honcho is gone."""
        found = descendants(self.process.pid)
        self.seen |= found
        return found


@pytest.fixture
def honcho(embedded_env: dict[str, str]) -> Iterator[Honcho]:
    manage = [sys.executable, "manage.py"]
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        done = subprocess.run(
            manage + step, cwd=ROOT, env=embedded_env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert "Demo logins" in done.stdout

    process = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile.dev"],
        cwd=ROOT,
        env=embedded_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    run = Honcho(process, [])
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: run.log.extend(iter(process.stdout.readline, "")))
    reader.start()
    try:
        yield run
    finally:
        # Whatever happened above, nothing started here outlives the test. honcho gives each
        # process its own session, so killing honcho's group alone would not reach them.
        if running(process.pid):
            run.watch()
        for pid in run.seen:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        reader.join(timeout=10)


def test_make_run_starts_web_worker_and_beat_and_ctrl_c_stops_all_of_them(
    honcho, embedded_env, tmp_path
):
    process, log = honcho.process, honcho.log
    port = int(embedded_env["PORT"])

    wait_for(lambda: health(port) is not None, START_SECONDS, "web did not answer /healthz", log)
    wait_for(lambda: printed(log, "worker.1", " ready."), START_SECONDS, "worker not ready", log)
    wait_for(lambda: printed(log, "beat.1", "beat: Starting"), START_SECONDS, "no beat", log)
    assert health(port) == {"status": "ok", "database": "ok", "broker": "ok"}

    # The worker consumes the broker folder in this VAR_DIR: a task sent by another process
    # with the same environment is received and run.
    sent = subprocess.run(
        [str(BIN / "celery"), "-A", "config", "call", "celery.accumulate", "--args", "[42]"],
        cwd=ROOT,
        env=embedded_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sent.returncode == 0, sent.stderr
    task_id = sent.stdout.strip()
    wait_for(lambda: printed(log, "worker.1", f"{task_id}] succeeded"), 30, "task not run", log)
    assert list(tmp_path.glob("celerybeat-schedule*")), "beat keeps its schedule in VAR_DIR"

    started = {pid: command_line(pid) for pid in honcho.watch()}
    for program in ("runserver", "celery -A config worker", "celery -A config beat"):
        assert any(program in cmd for cmd in started.values()), (program, started)

    process.send_signal(signal.SIGINT)

    process.wait(timeout=STOP_SECONDS)
    wait_for(
        lambda: not any(running(pid) for pid in started),
        5,
        "a process outlived honcho",
        log,
    )
    assert health(port) is None
    assert any("SIGINT received" in line for line in log)
