"""The hold rule: a procedure date is refused when the last dose it needs has passed.

Day holds count whole days before the procedure day (DOMAIN.md, "Dates"). Hour holds
(heparins) count hours before the start: the patient is told at booking, so a start less
than the hold from now is refused, with the first start that works (`eligible_at`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.holds import HoldInstruction, eligible_from
from procedures.rules.facts import Facts, Request, Violation
from procedures.rules.timing import plain_moment, plain_span, timed_violation, too_soon

ANTICOAGULANT_HOLD_TOO_SHORT = "anticoagulant_hold_too_short"


def _article(risk: str) -> str:
    return "an" if risk[:1] in "aeiou" else "a"


@dataclass(frozen=True)
class AnticoagulantHoldRule:
    """Built per request: the patient's current drugs at the request's bleeding risk."""

    name: str
    holds: tuple[HoldInstruction, ...]
    # Whether the evening's quiet hours have begun today: a stop reminder for a last dose
    # today could no longer reach the patient before it (DOMAIN.md: 20:00 by default).
    past_cut_off: bool = False
    # The moment hour holds are counted from; None leaves them to the nurse on the day (a
    # caller judging dates in another time than now).
    now: dt.datetime | None = None
    # The clinic's zone, which decides a day's first moment; None: `now`'s own zone.
    zone: dt.tzinfo | None = None

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        found = []
        for hold in self.holds:
            if not hold.holds:
                continue  # a prescriber's decision is a checklist item, not a date
            if hold.hold_days:
                found.extend(self._days(hold, request, today))
            elif hold.hold_hours:
                found.extend(self._hours(hold, request))
        return found

    def _days(self, hold: HoldInstruction, request: Request, today: dt.date) -> list[Violation]:
        last_dose = request.on - dt.timedelta(days=hold.hold_days + 1)
        too_late_today = last_dose == today and self.past_cut_off
        if not (last_dose < today or too_late_today):
            return []
        cure = eligible_from(hold.hold_days, today, self.past_cut_off)
        when = (
            f"would be today, {last_dose.isoformat()}, and it is too late in the evening "
            "to tell the patient before it"
            if too_late_today
            else f"would have been on {last_dose.isoformat()}, which has passed"
        )
        return [
            Violation(
                ANTICOAGULANT_HOLD_TOO_SHORT,
                f"{hold.drug_name} is held {hold.hold_days} days before "
                f"{_article(hold.bleeding_risk)} {hold.bleeding_risk}-risk procedure: the last "
                f"dose {when}. The earliest date is {cure.isoformat()}.",
                cure,
            )
        ]

    def _hours(self, hold: HoldInstruction, request: Request) -> list[Violation]:
        if self.now is None:
            return []
        zone = self.zone or self.now.tzinfo or dt.UTC
        first = too_soon(request, self.now, dt.timedelta(hours=hold.hold_hours), zone)
        if first is None:
            return []
        span = plain_span(dt.timedelta(hours=hold.hold_hours))
        return [
            timed_violation(
                ANTICOAGULANT_HOLD_TOO_SHORT,
                f"{hold.drug_name} is held {span} before {_article(hold.bleeding_risk)} "
                f"{hold.bleeding_risk}-risk procedure and the patient is told at booking, so "
                f"the case cannot start less than {span} from now. The earliest start is "
                f"{plain_moment(first)}.",
                first,
                zone,
            )
        ]
