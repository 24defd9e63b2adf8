"""Signals other apps listen to: the catalog does not know who books against it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a manager saved a rule set and its rules (`rule_set`): booked cases are judged
# again by whoever keeps them.
rules_changed = Signal()

# Sent inside the transaction that changed a patient's clinical facts the rules read (history
# added or corrected, a psychological evaluation), with `patient_id`: booked cases are judged
# again once it commits.
facts_changed = Signal()
