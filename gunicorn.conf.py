"""Gunicorn's settings: gunicorn reads ./gunicorn.conf.py when started in the project folder
(`gunicorn config.wsgi ...`, as in the README).

Logs carry no query strings: a search's `?q=Smith` is a patient's name. The access log, when
turned on (`--access-logfile -`), writes the path (%(U)s) instead of the request line (%(r)s)
and leaves out the referrer (the previous page's address, query string included). The error
log's messages ("Error handling request /patients/?q=...") pass through the same filter as
the application's logs.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger

from config.logging import NoQueryStrings

# This process answers web requests: settings give its database connections a lock timeout
# and a statement timeout (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS). Set before the
# workers import the settings.
os.environ.setdefault("CLINIC_PROCESS", "web")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The usual (2 x CPUs) + 1 sync workers: requests wait on the database, not the CPU.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker silent this long is killed and replaced: well above the statement timeout (20 s),
# so a slow request is answered "try again" by the database before gunicorn gives up on it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced after about a thousand requests (the jitter keeps them from all
# restarting at once), so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100

access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s" %(L)s'


class NoQueryStringsLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # On the loggers themselves: gunicorn logs to them directly, and its handlers are
        # replaced on every configuration reload.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, NoQueryStrings) for f in log.filters):
                log.addFilter(NoQueryStrings())


logger_class = NoQueryStringsLogger
