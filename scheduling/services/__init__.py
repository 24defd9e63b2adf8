"""The write side of scheduling: every change to an appointment goes through here."""

from scheduling.services.booking import appointment_book, appointment_reschedule
from scheduling.services.lifecycle import (
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_no_show,
)
from scheduling.services.outcome import appointment_record_follow_up, appointment_record_outcome
from scheduling.services.patient_changes import (
    authorization_save,
    checklist_tick,
    medication_add,
    medication_end,
)

__all__ = [
    "appointment_book",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_complete",
    "appointment_no_show",
    "appointment_record_follow_up",
    "appointment_record_outcome",
    "authorization_save",
    "checklist_tick",
    "medication_add",
    "medication_end",
    "appointment_reschedule",
]
