"""Who comes to each of the benchmark clinic's slots, and how their case ends.

Slots are taken in date order. A slot of a pathway's next step takes the patient waiting
longest for it (second block, ablation, implant); other slots take a returning patient
(about nine in ten) or a new one. Past cases are mostly completed (checked in, done, relief
recorded on diagnostic blocks and trials), about 5% cancelled (a third on the day) with a
cause, about 3% no-shows, more of them the longer ago the case was booked; future cases are
scheduled. Patients of cancelled and missed cases usually come back, not always.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from bench_clinic import Proc, Queues, Slot, Weights, between, days_of, region_side

FACET_POSITIVE, TRIAL_POSITIVE = 80, 50  # the seeded default rule set's thresholds
# About ten cases a patient: one case in ten is a new patient's, nine in ten come back.
NEW_PATIENT, RETURNING = 0.08, 0.92
SAME_DAY_CANCEL = 0.015
DROP_OUT = 0.08
NO_SHOW_BY_LEAD = ((2, 0.015), (7, 0.025), (30, 0.03), (10_000, 0.045))
PAYERS = Weights(
    {
        "medicare": 34,
        "bcbs": 15,
        "uhc": 12,
        "aetna": 10,
        "medicaid": 12,
        "cigna": 8,
        "tricare": 3,
        "self_pay": 6,
    }
)
# Of the drugs in the seeded catalog: about one patient in ten takes one that may be held.
DRUGS = Weights(
    {
        "": 900,
        "aspirin": 30,
        "apixaban": 20,
        "clopidogrel": 15,
        "rivaroxaban": 10,
        "warfarin": 8,
        "naproxen": 10,
        "enoxaparin_prophylactic": 4,
        "ticagrelor": 3,
    }
)
SAME_DAY_CAUSES = Weights(
    {
        "hold_not_met": 12,
        "checklist_incomplete": 10,
        "authorization_missing": 6,
        "patient_ill": 25,
        "no_driver": 12,
        "npo_not_followed": 8,
        "imaging_missing": 4,
        "patient_request": 10,
        "provider_unavailable": 6,
        "room_or_equipment": 5,
        "other": 2,
    }
)
EARLIER_CAUSES = Weights(
    {
        "hold_not_met": 5,
        "checklist_incomplete": 3,
        "authorization_missing": 8,
        "patient_ill": 20,
        "no_driver": 3,
        "imaging_missing": 8,
        "patient_request": 35,
        "provider_unavailable": 10,
        "room_or_equipment": 3,
        "other": 5,
    }
)

# Days between booking and the case, for past cases.
LEAD = Weights({"0": 8, "1-2": 7, "3-7": 20, "8-30": 40, "31-90": 25})
LEADS = {"0": (0, 0), "1-2": (1, 2), "3-7": (3, 7), "8-30": (8, 30), "31-90": (31, 90)}


@dataclass(slots=True)
class Patient:
    payer: str
    birth_year: int
    sms: bool
    diabetic: bool
    could_be_pregnant: bool
    contrast_allergy: bool
    drug: str
    # Procedures done elsewhere before they came here: (code, date ordinal, region, side).
    history: list[tuple[str, int, str, str]] = field(default_factory=list)
    psych_on: int = 0  # date ordinal of the psychological evaluation before a trial


@dataclass(slots=True)
class Case:
    patient: int  # index into the patients list (the row id minus one)
    slot: Slot
    region: str
    side: str
    status: str
    lead_minutes: int  # booked this long before the start
    cancel_cause: str = ""
    cancel_minutes_before: int = 0
    relief: int | None = None
    late_minutes: int = 0  # checked in this long after the start (negative: before)
    override: bool = False  # checked in with required items open, a reason given


class Assigner:
    def __init__(self, procs: list[Proc], seed: int) -> None:
        self.procs = procs
        self.rng = random.Random(seed)
        self.queues = Queues()
        self.patients: list[Patient] = []
        self.cases: list[Case] = []

    # Patients ------------------------------------------------------------------------------

    def new_patient(self) -> int:
        rng = self.rng
        self.patients.append(
            Patient(
                payer=PAYERS.pick(rng),
                birth_year=between(rng, 1932, 2001),
                sms=rng.random() < 0.35,
                diabetic=rng.random() < 0.16,
                could_be_pregnant=rng.random() < 0.05,
                contrast_allergy=rng.random() < 0.03,
                drug=DRUGS.pick(rng),
            )
        )
        return len(self.patients) - 1

    def returning_or_new(self, day: int, code: str) -> tuple[int, str, str]:
        taken = None if self.rng.random() < NEW_PATIENT else self.queues.take("pool", day)
        region, side = region_side(code, self.rng)
        if taken is None:
            patient = self.new_patient()
            if self.rng.random() < 0.2:  # some bring procedures done elsewhere
                self.patients[patient].history.append(
                    ("ESI_TF", day - between(self.rng, 60, 700), region, side)
                )
            return patient, region, side
        return taken[0], region, side

    def patient_for(self, code: str, day: int) -> tuple[int, str, str, str]:
        """(patient, region, side, pathway step) for a slot of `code` on ordinal `day`."""
        take = self.queues.take
        if code == "MBB":
            taken = take("second_block", day)
            if taken:
                return (*taken, "second_block")
            return (*self.returning_or_new(day, code), "first_block")
        if code == "RFA":
            taken = take("ablation", day) or take("repeat_ablation", day)
            if taken:
                return (*taken, "ablation")
            # Blocks done elsewhere: the history rows count like blocks done here.
            patient = self.new_patient()
            region, side = region_side(code, self.rng)
            for days in (60, 40):
                self.patients[patient].history.append(("MBB", day - days, region, side))
            return patient, region, side, "ablation"
        if code == "SCS_IMPLANT":
            taken = take("implant", day)
            if taken:
                return (*taken, "implant")
            patient = self.new_patient()
            region, side = region_side(code, self.rng)
            self.patients[patient].history.append(("SCS_TRIAL", day - 30, region, side))
            self.patients[patient].psych_on = day - 60
            return patient, region, side, "implant"
        patient, region, side = self.returning_or_new(day, code)
        if code == "SCS_TRIAL":
            self.patients[patient].psych_on = day - between(self.rng, 14, 90)
        return patient, region, side, code

    # Outcomes ------------------------------------------------------------------------------

    def lead_minutes(self, ahead: int) -> int:
        """How long before its start a case was booked; `ahead`: minutes from now to it."""
        rng = self.rng
        if ahead > 0:  # a future case, booked some time in the last six weeks
            return ahead + between(rng, 60, 42 * 1440)
        low, high = LEADS[LEAD.pick(rng)]
        return between(rng, low, high) * 1440 + between(rng, 60, 600)

    def relief(self, code: str) -> int | None:
        rng = self.rng
        if code in {"MBB", "FACET_IA", "DISCOGRAPHY"}:
            good = rng.random() < 0.58
            return (
                between(rng, FACET_POSITIVE, 100) if good else between(rng, 0, FACET_POSITIVE - 1)
            )
        if code == "SCS_TRIAL":
            good = rng.random() < 0.62
            return between(rng, TRIAL_POSITIVE, 95) if good else between(rng, 0, TRIAL_POSITIVE - 1)
        if code.startswith("ESI") or code == "RFA":
            return between(rng, 20, 100) if rng.random() < 0.7 else None
        return between(rng, 0, 100) if rng.random() < 0.3 else None

    def next_step(self, case: Case, code: str, step: str, day: int) -> None:
        """Queue the patient for what follows a completed case."""
        rng, put, patient = self.rng, self.queues.put, case.patient
        region, side, relief = case.region, case.side, case.relief or 0
        # Some with a good result never book the next step: the dashboard's stuck patients.
        onward = rng.random() >= DROP_OUT
        if step == "first_block" and relief >= FACET_POSITIVE:
            if onward:
                put("second_block", patient, day + 7, day + 60, region, side)
        elif step == "second_block" and relief >= FACET_POSITIVE:
            if onward:
                put("ablation", patient, day + 10, day + 90, region, side)
        elif code == "RFA" and rng.random() < 0.55:
            put("repeat_ablation", patient, day + 190, day + 540, region, side)
        elif code == "SCS_TRIAL" and relief >= TRIAL_POSITIVE:
            put("implant", patient, day + 14, day + 150, region, side)
        elif rng.random() < (0.3 if code == "SCS_IMPLANT" else RETURNING):
            put("pool", patient, day + between(rng, 14, 300), day + 730, region, side)

    def come_back(self, case: Case, step: str, day: int) -> None:
        """A cancelled or missed case: most patients are booked again, on the same step."""
        if self.rng.random() < 0.75:
            queue = step if step in {"second_block", "ablation", "implant"} else "pool"
            ready = day + between(self.rng, 3, 21)
            self.queues.put(queue, case.patient, ready, ready + 60, case.region, case.side)

    def assign(self, slots: list[Slot], today: dt.date, now_minute: int) -> None:
        """Fill every slot, in date order; `now_minute` is the clock today (minutes)."""
        rng, today_ordinal = self.rng, today.toordinal()
        for day, day_slots in days_of(slots):
            ordinal = day.toordinal()
            for slot in day_slots:
                code = self.procs[slot.proc].code
                ahead = (ordinal - today_ordinal) * 1440 + slot.start - now_minute
                future = ahead > 0
                if slot.extra:
                    self.cancelled_earlier(slot, ordinal, ahead)
                patient, region, side, step = self.patient_for(code, ordinal)
                lead = self.lead_minutes(ahead)
                case = Case(patient, slot, region, side, "scheduled", lead)
                self.cases.append(case)
                if future:
                    if rng.random() < 0.5:  # back later, though nothing is decided yet
                        ready = ordinal + between(rng, 60, 365)
                        self.queues.put("pool", patient, ready, ready + 365, region, side)
                    continue
                no_show = next(p for days, p in NO_SHOW_BY_LEAD if lead <= days * 1440 + 1440)
                draw = rng.random()
                if draw < SAME_DAY_CANCEL:
                    case.status = "cancelled"
                    case.cancel_cause = SAME_DAY_CAUSES.pick(rng)
                    case.cancel_minutes_before = between(rng, 30, 240)
                    self.come_back(case, step, ordinal)
                elif draw < SAME_DAY_CANCEL + no_show:
                    case.status = "no_show"
                    self.come_back(case, step, ordinal)
                else:
                    case.status = "completed"
                    case.relief = self.relief(code)
                    case.late_minutes = (
                        between(rng, 1, 25) if rng.random() < 0.15 else -between(rng, 10, 45)
                    )
                    case.override = rng.random() < 0.0025
                    self.next_step(case, code, step, ordinal)

    def cancelled_earlier(self, slot: Slot, ordinal: int, ahead: int) -> None:
        """A case cancelled days before (and before now), whose time another case took."""
        code = self.procs[slot.proc].code
        patient, region, side = self.returning_or_new(ordinal, code)
        lead = max(self.lead_minutes(ahead), max(ahead, 0) + 4 * 1440)
        case = Case(patient, slot, region, side, "cancelled", lead)
        case.cancel_cause = EARLIER_CAUSES.pick(self.rng)
        case.cancel_minutes_before = between(self.rng, max(ahead, 0) + 1440, lead - 60)
        self.cases.append(case)
        if ahead <= 0:
            self.come_back(case, "pool", ordinal)
