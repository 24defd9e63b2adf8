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
    # Whether the evening's quiet hours have begun today: a stop reminder for a last dose
    # today could no longer reach the patient before it (DOMAIN.md: 20:00 by default).
    past_cut_off: bool = False

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        found = []
        for hold in self.holds:
            if not hold.holds or not hold.hold_days:
                # Hour holds are timed by the nurse on the day; a prescriber's decision
                # is a checklist item, not a date.
                continue
            last_dose = request.on - dt.timedelta(days=hold.hold_days + 1)
            too_late_today = last_dose == today and self.past_cut_off
            if last_dose < today or too_late_today:
                cure = eligible_from(hold.hold_days, today, self.past_cut_off)
                article = "an" if hold.bleeding_risk[:1] in "aeiou" else "a"
                when = (
                    f"would be today, {last_dose.isoformat()}, and it is too late in the evening "
                    "to tell the patient before it"
                    if too_late_today
                    else f"would have been on {last_dose.isoformat()}, which has passed"
                )
                found.append(
                    Violation(
                        ANTICOAGULANT_HOLD_TOO_SHORT,
                        f"{hold.drug_name} is held {hold.hold_days} days before {article} "
                        f"{hold.bleeding_risk}-risk procedure: the last dose {when}. The "
                        f"earliest date is {cure.isoformat()}.",
                        cure,
                    )
                )
        return found
