"""Health probes. `/healthz`: is this web node alive (it answers, and its database does)?
`/healthz/broker`: does the broker the reminders go through answer?

A load balancer probes `/healthz`. Its status follows the web node and the database only: a
broker that is down delays reminders (the outbox keeps them) but not one booking, so it must
never take every web node out of service. The broker's state is in the body, for people, and
has a probe of its own for monitoring. Answers name the failing parts only; the errors
themselves (which carry host names and ports) go to the log, since a probe URL is usually
reachable from outside.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

# A probe that waits longer than the load balancer does is worse than one that says "no".
BROKER_TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy", whatever the driver raises
        return f"{type(exc).__name__}: {exc}"
    return None


def check_broker() -> str | None:
    """Open one fresh connection to the broker the workers use (not the producer pool)."""
    try:
        with celery_app.connection_for_write(
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            # Redis reads its socket timeouts from the transport options; without them a
            # silent host would hold the request until the operating system gives up.
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as conn:
            # max_retries=0: one attempt. Kombu's retries sleep 2 s between attempts.
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises driver-specific errors
        return f"{type(exc).__name__}: {exc}"
    return None


def _answer(results: dict[str, str | None], deciding: set[str]) -> JsonResponse:
    failing = [name for name, error in results.items() if error]
    body: dict[str, object] = {
        name: "failing" if error else "ok" for name, error in results.items()
    }
    if failing:
        logger.warning(
            "health check failed",
            extra={"failures": {name: results[name] for name in failing}},
        )
    if deciding & set(failing):
        return JsonResponse({"status": "unavailable", "failing": failing, **body}, status=503)
    return JsonResponse({"status": "ok", **({"failing": failing} if failing else {}), **body})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: 503 only when the database fails; the broker's state is reported beside."""
    results = {"database": check_database(), "broker": check_broker()}
    return _answer(results, deciding={"database"})


@never_cache
@require_GET
def broker(request: HttpRequest) -> JsonResponse:
    """The broker alone: 503 when it does not answer within BROKER_TIMEOUT_SECONDS."""
    return _answer({"broker": check_broker()}, deciding={"broker"})
