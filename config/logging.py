"""Log output: JSON lines for log shippers when DEBUG is off, and no query strings anywhere.

Tracebacks stay inside the JSON object (json.dumps escapes their newlines), so a shipper that
splits on lines never cuts an error in two.

Query strings carry what people typed into a search (`/patients/?q=Smith`: a patient's
name), so `NoQueryStrings`, attached to every handler in LOGGING, cuts them from each
record's message, its extra attributes (Django's `request`) and its traceback before any
formatter sees it. Paths stay: they name the page and at most a record's id.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else was passed through `extra=` and is kept.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

# A path, then "?" and the query up to the next whitespace, leaving closing quotes and ">"
# that end the text around it (`<WSGIRequest: GET '/patients/?q=Smith'>`) in place.
_QUERY_STRING = re.compile(r"""(/[^\s?#"'<>]*)\?\S*?(?=["'>]*(?:\s|$))""")


def strip_query_strings(text: str) -> str:
    """`GET /patients/?q=Smith HTTP/1.1` -> `GET /patients/ HTTP/1.1`."""
    return _QUERY_STRING.sub(r"\1", text) if "?" in text else text


def _is_request(value: object) -> bool:
    # Django's HttpRequest and DRF's Request alike (DRF's wraps Django's, not a subclass).
    return callable(getattr(value, "get_full_path", None)) and hasattr(value, "method")


def describe_request(request: Any) -> str:
    """A request as method and path, never its query string or body."""
    return f"{request.method} {request.path}"


def _safe(value: object) -> str:
    if _is_request(value):
        return describe_request(value)
    return strip_query_strings(str(value))


class NoQueryStrings(logging.Filter):
    """Removes query strings from a record, in place, and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad log call: left to the handler's handleError
            return True
        clean = strip_query_strings(message)
        if clean != message:
            record.msg, record.args = clean, ()
        for key, value in list(vars(record).items()):
            if key in _STANDARD_ATTRS or key.startswith("_"):
                continue
            if _is_request(value):
                # Django's `request` (django.request, django.security): its str() is the full
                # path with the query string, and a formatter that dumps extras would print it.
                setattr(record, key, describe_request(value))
            elif isinstance(value, str):
                setattr(record, key, strip_query_strings(value))
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text once it is set: the traceback is cut here, once.
            record.exc_text = strip_query_strings(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        # Anything that is not plain JSON is written as text, a request as method and path.
        return json.dumps(payload, default=_safe)
