"""Gunicorn's settings: gunicorn reads ./gunicorn.conf.py when started in the project folder
(`gunicorn config.wsgi ...`, as in the README).

Logs carry no query strings: a search's `?q=Smith` is a patient's name. The access log, when
turned on (`--access-logfile -`), writes the path (%(U)s) instead of the request line (%(r)s)
and leaves out the referrer (the previous page's address, query string included). The error
log's messages ("Error handling request /patients/?q=...") pass through the same filter as
the application's logs.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from config.logging import NoQueryStrings

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
