"""The nudge: after a booking commits a reminder that is due now, ask a worker to dispatch.

The reminder row is the outbox and the truth; the nudge only spares it the wait for beat's
next tick (a minute at most). So the nudge must never hold up the request that commits the
row: it publishes on a connection of its own, with short connect and reply timeouts, one
attempt and no retries, and gives up with a warning when the broker refuses or is silent.

The connection is the web producer's alone. The workers' connections keep the shared
transport options: a reply timeout of a second there would cut their blocking reads
(Redis BRPOP) short.

After a failure the process stops trying for a few seconds: a booking that writes several
due reminders, and the bookings right after it, then pay the timeout once, not once each.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

logger = logging.getLogger(__name__)

# How long a process leaves the broker alone after a nudge failed. Beat's tick (a minute)
# dispatches what was not nudged, so a short pause costs nothing but a few seconds' delay.
PAUSE_AFTER_FAILURE_SECONDS = 10.0

_paused_until = 0.0  # time.monotonic() before which this process does not nudge


def nudge_transport_options(timeout: float) -> dict[str, object]:
    """Broker transport options for one quick attempt, over the shared ones."""
    return {
        # Redis: the TCP connect, then every reply (the channel's PING, the publish).
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry_on_timeout": False,
        # kombu: one attempt at connecting, not its default of retrying until a timeout.
        "max_retries": 0,
    }


def dispatch_soon() -> None:
    """Publish one dispatch_due_reminders; on any broker failure, log and carry on."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return
    from scheduling.tasks import dispatch_due_reminders  # tasks import the outbox, which imports us

    timeout = settings.CELERY_NUDGE_TIMEOUT_SECONDS
    try:
        # The task's app is the project's Celery app (config.celery) once Django has started.
        with dispatch_due_reminders.app.connection_for_write(
            connect_timeout=timeout, transport_options=nudge_transport_options(timeout)
        ) as connection:
            # retry=False: one publish; kombu's default policy retries for about a second.
            producer = connection.Producer(auto_declare=False)
            dispatch_due_reminders.apply_async(producer=producer, retry=False)
    except Exception as exc:  # kombu and the drivers raise their own errors; none may escape
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
        # The error names the broker's host and port, never a patient: the nudge carries no
        # arguments, and the reminder waits in its row.
        logger.warning(
            "Could not ask the broker to dispatch reminders at once (%s: %s); "
            "beat's next tick dispatches them from the outbox",
            type(exc).__name__,
            exc,
        )
