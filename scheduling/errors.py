"""Scheduling refusals, each with the stable code of API.md."""

from clinic.errors import Conflict, DomainError, Unprocessable


class SlotUnavailable(Conflict):
    code = "slot_unavailable"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class OutsideHours(Unprocessable):
    code = "outside_hours"


class RoomUnsuitable(Unprocessable):
    code = "room_unsuitable"


class StartInPast(Unprocessable):
    code = "start_in_past"


class BeyondHorizon(Unprocessable):
    """A start further ahead than the booking horizon (scheduling.horizon)."""

    code = "beyond_horizon"


class ChecklistIncomplete(Conflict):
    code = "checklist_incomplete"


class EditConflict(Conflict):
    """A save based on a version of a row that someone else has changed since."""

    code = "edit_conflict"


class InvalidCancelCause(DomainError):
    """A service called with a cause outside the list: refused here, not only at the edge."""

    code = "invalid_cause"
