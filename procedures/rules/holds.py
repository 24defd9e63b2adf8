"""The hold rule: a procedure date is refused when the last dose it needs has passed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.holds import HoldInstruction, eligible_from
from procedures.rules.facts import Facts, Request, Violation

ANTICOAGULANT_HOLD_TOO_SHORT = "anticoagulant_hold_too_short"


@dataclass(frozen=True)
class AnticoagulantHoldRule:
    """Built per request: the patient's current drugs at the request's bleeding risk."""

    name: str
    holds: tuple[HoldInstruction, ...]

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        found = []
        for hold in self.holds:
            if not hold.holds or not hold.hold_days:
                # Hour holds are timed by the nurse on the day; a prescriber's decision
                # is a checklist item, not a date.
                continue
            last_dose = request.on - dt.timedelta(days=hold.hold_days + 1)
            if last_dose < today:
                cure = eligible_from(hold.hold_days, today)
                article = "an" if hold.bleeding_risk[:1] in "aeiou" else "a"
                found.append(
                    Violation(
                        ANTICOAGULANT_HOLD_TOO_SHORT,
                        f"{hold.drug_name} is held {hold.hold_days} days before {article} "
                        f"{hold.bleeding_risk}-risk procedure: the last dose would have been on "
                        f"{last_dose.isoformat()}, which has passed. The earliest date is "
                        f"{cure.isoformat()}.",
                        cure,
                    )
                )
        return found
