"""Signals other apps listen to: the clinic's rows do not know who books against them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed a patient's row, with `patient`, `changes` (the
# audit diff) and `actor`: whoever keeps booked cases re-plans them before it commits.
patient_changed = Signal()

# Sent inside the admin's transaction after a manager added, changed or deleted reference
# rows (sender: the model; `actor`): catalog, rules, hours, closures, rooms.
reference_changed = Signal()
