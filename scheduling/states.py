"""The appointment state machine, in one place.

    scheduled -> checked_in -> completed
    scheduled -> cancelled | no_show
    checked_in -> cancelled        (sent home on the day: fever, a missed hold...)

Completed, cancelled and no-show are final: a new case is a new booking.
"""

from __future__ import annotations

from scheduling.errors import InvalidTransition
from scheduling.models import Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SCHEDULED: frozenset({Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW}),
    Status.CHECKED_IN: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.NO_SHOW: frozenset(),
}

_PARTICIPLES = {
    Status.CHECKED_IN: "checked in",
    Status.COMPLETED: "completed",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "marked as a no-show",
    Status.SCHEDULED: "rescheduled",
}


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


def require_transition(current: str, target: str) -> None:
    if not can_move(current, target):
        label = Status(current).label.lower()
        raise InvalidTransition(
            f"This appointment is {label}; it cannot be {_PARTICIPLES[Status(target)]}."
        )


def require_reschedulable(current: str) -> None:
    if current != Status.SCHEDULED:
        label = Status(current).label.lower()
        raise InvalidTransition(f"This appointment is {label}; only a scheduled one can be moved.")
