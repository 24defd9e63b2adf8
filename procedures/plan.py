"""A case's whole plan (holds, checklist, booking reminders) from its facts: one pure function.

Everything that can change a booked case's plan (the patient's flags, payer and drugs, the
payer's authorization list, the catalog's checklist templates and reminder rules, the time
of the case) is an input here; `case_plan` reads nothing else. `scheduling.replan` gathers
the inputs from the tables and writes the difference, for a booking, a move and every
change after them, so a case booked last month and the same case booked now have the same
plan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from procedures.checklists import CaseFacts, applies
from procedures.clock import QuietHours
from procedures.holds import HoldDates, HoldInstruction, hold_dates

APPOINTMENT = "appointment"
STOP = "anticoagulant_stop"
RESTART = "anticoagulant_restart"
PREMEDICATION = "premedication"
START = "start"
# Sent when due, quiet hours or not: the pain diary is asked for while the anaesthetic works
# (cases end in clinic hours, DOMAIN.md).
SENT_WHEN_DUE = frozenset({"pain_diary"})


@dataclass(frozen=True)
class TemplateSpec:
    """A checklist template as the plan needs it."""

    pk: int
    code: str
    label: str
    required: bool
    order: int
    condition: str
    procedures: frozenset[str]
    value_kind: str


@dataclass(frozen=True)
class ReminderSpec:
    """A booking reminder rule that applies to this case's procedure and rule set."""

    kind: str
    anchor: str
    offset_minutes: int
    note: str = ""


@dataclass(frozen=True)
class Timing:
    quiet: QuietHours
    # The clock time of the morning stop reminder on the last-dose day.
    stop_clock: dt.time


@dataclass(frozen=True)
class CaseInput:
    """The facts of one case, booked or about to be."""

    procedure: str
    steroid: bool
    fluoroscopy: bool
    contrast: bool
    start: dt.datetime
    end: dt.datetime
    sedation: bool
    diabetic: bool
    could_be_pregnant: bool
    contrast_allergy: bool
    prior_auth_needed: bool
    holds: tuple[HoldInstruction, ...]
    templates: tuple[TemplateSpec, ...]
    reminder_rules: tuple[ReminderSpec, ...]
    now: dt.datetime

    @property
    def premedication(self) -> bool:
        """A contrast-allergic patient before a procedure that uses contrast."""
        return self.contrast_allergy and self.contrast


@dataclass(frozen=True)
class PlannedHold:
    """One drug's hold for the case: what the hold table says, and its dates."""

    instruction: HoldInstruction
    dates: HoldDates

    def missed(self, now: dt.datetime, timing: Timing) -> bool:
        return self.dates.missed(now, timing.quiet.zone)


@dataclass(frozen=True)
class PlannedReminder:
    kind: str
    # When the plan puts it, out of quiet hours; the writer sends one already past at once.
    at: dt.datetime
    # JSON text (sorted keys), so plans compare and hash; `context` gives the dict back.
    context_json: str = "{}"

    @property
    def context(self) -> dict[str, object]:
        loaded: dict[str, object] = json.loads(self.context_json)
        return loaded


@dataclass(frozen=True)
class CasePlan:
    holds: tuple[PlannedHold, ...]
    # Holds whose last dose should already have been the previous one: the case is flagged.
    missed: tuple[HoldInstruction, ...]
    checklist: tuple[TemplateSpec, ...]
    reminders: tuple[PlannedReminder, ...]


def context_json(values: dict[str, object]) -> str:
    return json.dumps(values, sort_keys=True, default=str)


def checklist_facts(case: CaseInput) -> CaseFacts:
    return CaseFacts(
        procedure=case.procedure,
        steroid=case.steroid,
        fluoroscopy=case.fluoroscopy,
        contrast=case.contrast,
        sedation=case.sedation,
        prior_auth_needed=case.prior_auth_needed,
        diabetic=case.diabetic,
        could_be_pregnant=case.could_be_pregnant,
        holds_any=any(h.holds for h in case.holds),
        inr_needed=any(h.holds and h.inr_required for h in case.holds),
        prescriber_decides=any(h.prescriber_decides for h in case.holds),
        contrast_allergy=case.contrast_allergy,
    )


def dated_holds(
    holds: Iterable[HoldInstruction], *, start: dt.datetime, end: dt.datetime, timing: Timing
) -> tuple[PlannedHold, ...]:
    """The dates of each drug held for a case from `start` to `end`; a prescriber's decision
    is no hold and has none."""
    return tuple(
        PlannedHold(
            hold,
            hold_dates(
                hold, start=start, end=end, zone=timing.quiet.zone, stop_clock=timing.stop_clock
            ),
        )
        for hold in holds
        if hold.holds
    )


def plan_holds(case: CaseInput, timing: Timing) -> tuple[PlannedHold, ...]:
    return dated_holds(case.holds, start=case.start, end=case.end, timing=timing)


def _hold_reminders(
    holds: tuple[PlannedHold, ...], case: CaseInput, timing: Timing
) -> list[PlannedReminder]:
    found = []
    for planned in holds:
        hold, dates = planned.instruction, planned.dates
        context = context_json(
            {
                "drug": hold.drug_name,
                "last_dose_on": dates.last_dose_on.isoformat() if dates.last_dose_on else None,
                "first_day_without": (
                    dates.first_day_without.isoformat() if dates.first_day_without else None
                ),
                "last_dose_at": dates.last_dose_at.isoformat() if dates.last_dose_at else None,
            }
        )
        # Hour holds are told at booking and timed by the nurse (DOMAIN.md): no stop message.
        # A day hold whose last dose has passed cannot be announced any more.
        if dates.stop_notice_at is not None and not planned.missed(case.now, timing):
            found.append(PlannedReminder(STOP, timing.quiet.later(dates.stop_notice_at), context))
        found.append(PlannedReminder(RESTART, timing.quiet.later(dates.resume_at), context))
    return found


def _rule_reminders(case: CaseInput, timing: Timing) -> list[PlannedReminder]:
    found = []
    zone = timing.quiet.zone
    for rule in case.reminder_rules:
        if rule.kind == PREMEDICATION and not case.premedication:
            continue
        anchor = case.start if rule.anchor == START else case.end
        # Offsets count on the clinic's clock: "14 days after" a 09:00 case is 09:00 across a
        # DST change. Converting first also keeps the answer independent of the anchor's
        # tzinfo (aware arithmetic is wall-clock within one zone).
        due = anchor.astimezone(zone) + dt.timedelta(minutes=rule.offset_minutes)
        # Premedication must reach the patient before the first dose: earlier, never later.
        if rule.kind == PREMEDICATION:
            at = timing.quiet.earlier(due)
        elif rule.kind in SENT_WHEN_DUE:
            at = due
        else:
            at = timing.quiet.later(due)
        if rule.kind == APPOINTMENT and timing.quiet.later(max(at, case.now)) >= case.start:
            continue  # too late to remind of a case that will have started
        context = context_json({"note": rule.note} if rule.note else {})
        found.append(PlannedReminder(rule.kind, at, context))
    return found


def case_plan(case: CaseInput, timing: Timing) -> CasePlan:
    holds = plan_holds(case, timing)
    facts = checklist_facts(case)
    checklist = tuple(
        sorted(
            (t for t in case.templates if applies(t.condition, t.procedures, facts)),
            key=lambda t: (t.order, t.code),
        )
    )
    reminders = _rule_reminders(case, timing) + _hold_reminders(holds, case, timing)
    return CasePlan(
        holds=holds,
        missed=tuple(h.instruction for h in holds if h.missed(case.now, timing)),
        checklist=checklist,
        reminders=tuple(sorted(reminders, key=lambda r: (r.at, r.kind, r.context_json))),
    )
