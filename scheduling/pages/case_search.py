"""Slot search for a case that is already booked: the reschedule page's results.

The case being moved must not count against itself (an MBB "not yet done" would block every
later block, an ESI spaced 14 days from itself a month around it) nor keep its own time busy:
`SlotQuery.exclude_appointment_id` leaves it out, as the reschedule service does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clinic.models import Provider, Room
from procedures.rules import Decision
from scheduling.availability import local_date
from scheduling.eligibility import PatientRules
from scheduling.models import Appointment
from scheduling.slots import Slot, SlotQuery, find_slots

# Slots shown at once: half a day or more for two or three providers, a few rows on screen.
SLOT_LIMIT = 40
WINDOW_DAYS = 30


@dataclass(frozen=True)
class CaseSearch:
    """What the rules say on the first date asked for, and the slots found from then."""

    asked_from: dt.date
    decision: Decision
    slots: list[Slot]

    @property
    def searched_from(self) -> dt.date:
        """The first date searched: the rules' own first allowed date when they move it."""
        if not self.decision.allowed and self.decision.eligible_from:
            return max(self.asked_from, self.decision.eligible_from)
        return self.asked_from


def slots_for_case(
    case: Appointment,
    *,
    after: dt.datetime,
    provider: Provider | None = None,
    room: Room | None = None,
    limit: int = SLOT_LIMIT,
) -> CaseSearch:
    """What the rules say on the date asked for, and the slots the reschedule would accept."""
    procedure = case.procedure_type
    rules = PatientRules.load(case.patient, exclude_appointment_id=case.pk)
    asked = local_date(after)
    levels = tuple(case.levels or ())
    decision = rules.decide(procedure, case.region, case.side, asked, levels)
    found = find_slots(
        SlotQuery(
            procedure_type=procedure,
            after=after,
            limit=limit,
            days=WINDOW_DAYS,
            patient=case.patient,
            region=case.region,
            side=case.side,
            provider=provider,
            room=room,
            levels=levels,
            exclude_appointment_id=case.pk,
        ),
        rules=rules,
    )
    return CaseSearch(asked, decision, found)
