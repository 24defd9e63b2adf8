"""What became of each case before now: done, cancelled (and why), or a no-show.

Most cases are completed; about one in ten is cancelled with a cause that fits the case (a
hold not met only for a patient whose drug is held, no driver only under sedation...), the
causes the dashboard counts spread so that each shows up; one in twenty is a no-show. A case
under way right now is checked in. A completed case whose relief must last (an epidural, an
SI joint injection, trigger points, an ablation) has its relief asked again on the days its
relief follow-up reminders fall, as far as those days are past.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from procedures.rules.relief import relief_from_scores
from scheduling.availability import at_local, local_date
from scheduling.demo.cases import FOLLOW_UP_CLOCK, DemoCase, DemoFollowUp, relief_due
from scheduling.demo.days import ClinicDays
from scheduling.models import CancelCause as Cause
from scheduling.models import Status

ALL_OPEN = "*"  # cancelled days ahead: nobody had worked the checklist yet
SEDATION_CAUSES = {Cause.NO_DRIVER, Cause.NPO_NOT_FOLLOWED}
IMAGING = {"ESI_IL", "ESI_TF", "ESI_CAUDAL", "KYPHOPLASTY"}
PREVENTABLE = (Cause.HOLD_NOT_MET, Cause.CHECKLIST_INCOMPLETE, Cause.AUTHORIZATION_MISSING)
# How often each cause comes up, once every one has been seen.
WEIGHTS = {
    Cause.PATIENT_REQUEST: 6,
    Cause.PATIENT_ILL: 5,
    Cause.HOLD_NOT_MET: 2,
    Cause.CHECKLIST_INCOMPLETE: 2,
    Cause.AUTHORIZATION_MISSING: 2,
    Cause.NO_DRIVER: 2,
    Cause.IMAGING_MISSING: 2,
}


@dataclass(frozen=True)
class CauseSpec:
    same_day: bool
    open_items: frozenset[str]
    reasons: tuple[str, ...]


CAUSES = {
    Cause.HOLD_NOT_MET: CauseSpec(
        True,
        frozenset({"hold_confirmed"}),
        ("Took the blood thinner until yesterday: the hold was not kept.",),
    ),
    Cause.CHECKLIST_INCOMPLETE: CauseSpec(
        True,
        frozenset({"consent"}),
        ("Consent not signed and the patient wanted to talk it over first.",),
    ),
    Cause.AUTHORIZATION_MISSING: CauseSpec(
        True,
        frozenset({"prior_auth"}),
        ("Payer had not answered the authorization request by the morning.",),
    ),
    Cause.PATIENT_ILL: CauseSpec(
        True, frozenset(), ("Called in with a fever.", "Chest infection, on antibiotics.")
    ),
    Cause.NO_DRIVER: CauseSpec(True, frozenset({"driver"}), ("Came alone; no one to drive home.",)),
    Cause.NPO_NOT_FOLLOWED: CauseSpec(
        True, frozenset({"npo"}), ("Had breakfast this morning despite the instructions.",)
    ),
    Cause.IMAGING_MISSING: CauseSpec(
        True, frozenset({"imaging"}), ("MRI report not received from the imaging center.",)
    ),
    Cause.ROOM_OR_EQUIPMENT: CauseSpec(
        True, frozenset(), ("C-arm fault in the suite; service called.",)
    ),
    Cause.PATIENT_REQUEST: CauseSpec(
        False,
        frozenset({ALL_OPEN}),
        ("Asked to cancel: family commitment.", "Pain much better, wants to wait."),
    ),
    Cause.PROVIDER_UNAVAILABLE: CauseSpec(
        False, frozenset({ALL_OPEN}), ("Provider called to a conference; list cancelled.",)
    ),
    Cause.OTHER: CauseSpec(False, frozenset({ALL_OPEN}), ("Insurance changed; will rebook.",)),
}


class Fates:
    def __init__(
        self,
        *,
        days: ClinicDays,
        now: dt.datetime,
        rng: random.Random,
        needs_authorization: Callable[[DemoCase], bool],
        has_hold: Callable[[DemoCase], bool],
        follow_up_days: Callable[[DemoCase], tuple[int, ...]],
    ) -> None:
        self.days, self.now, self.rng = days, now, rng
        self.needs_authorization, self.has_hold = needs_authorization, has_hold
        self.follow_up_days = follow_up_days
        self.used: Counter[str] = Counter()

    def in_progress(self, case: DemoCase) -> bool:
        return case.start < self.now < case.end + dt.timedelta(minutes=10)

    def settle(self, case: DemoCase, relief: int) -> None:
        """Give a case that started before now its fate, at random in the usual proportions."""
        if self.in_progress(case):
            self.check_in(case)
            return
        roll = self.rng.random()
        preventable = [c for c in PREVENTABLE if self.used[c] < 2 and self._fits(case, c)]
        if preventable and roll < 0.4:
            # The cancellations this product exists to prevent must show on the dashboard,
            # though few cases can fall through that way (a hold needs a blood thinner).
            self.cancel(case, self.rng.choice(preventable))
        elif roll < 0.10:
            self.cancel(case, self._cause(case))
        elif roll < 0.15 and case.start + dt.timedelta(minutes=60) <= self.now:
            case.fate = Status.NO_SHOW
            case.no_show_at = case.start + dt.timedelta(minutes=self.rng.randint(30, 60))
        else:
            # Relief fades a little by the later follow-ups; now and then below what a repeat
            # needs, as it does.
            held = max(relief - self.rng.randint(0, 15), 0)
            self.complete(case, relief, scores=self.rng.random() < 0.3, held=held)

    def check_in(self, case: DemoCase) -> None:
        case.fate = Status.CHECKED_IN
        case.checked_in_at = min(
            case.start - dt.timedelta(minutes=self.rng.randint(10, 40)),
            self.now - dt.timedelta(minutes=1),
        )

    def complete(
        self,
        case: DemoCase,
        relief: int | None,
        *,
        scores: bool = False,
        held: int | None = None,
    ) -> None:
        """Done; `relief` None leaves it unrecorded for good (a diary never returned).
        `held` is the relief left at the later follow-ups (None: as on the day)."""
        self.check_in(case)
        case.fate = Status.COMPLETED
        case.completed_at = min(
            case.end + dt.timedelta(minutes=self.rng.randint(2, 10)),
            self.now - dt.timedelta(seconds=30),
        )
        if relief is None:
            return
        if scores:
            before = self.rng.randint(6, 9)
            after = round(before * (100 - relief) / 100)
            case.pain = (before, after)
            relief = relief_from_scores(before, after)
        case.relief = relief
        case.relief_at = max(relief_due(case, self.days), case.completed_at)
        self._follow_ups(case, relief if held is None else held)

    def _follow_ups(self, case: DemoCase, held: int) -> None:
        """The relief follow-ups already past, phoned on the first clinic day from their due
        day. One that falls on the day the relief itself was asked is the same call."""
        assert case.relief is not None and case.relief_at is not None
        for days in self.follow_up_days(case):
            on = self.days.on_or_after(case.day + dt.timedelta(days=days))
            same_call = on == local_date(case.relief_at)
            recorded_at = case.relief_at if same_call else at_local(on, FOLLOW_UP_CLOCK)
            recorded_at = max(recorded_at, case.relief_at)
            if recorded_at > self.now:
                return
            relief = case.relief if same_call else held
            case.follow_ups.append(DemoFollowUp(on, relief, recorded_at))

    def cancel(self, case: DemoCase, cause: str) -> None:
        spec = CAUSES[Cause(cause)]
        if spec.same_day:
            opening = at_local(case.day, dt.time(7, 0))
            moment = case.start - dt.timedelta(minutes=self.rng.randint(30, 150))
            moment = max(moment, opening, case.booked_at + dt.timedelta(hours=1))
        else:
            before = self.days.on_or_before(case.day - dt.timedelta(days=self.rng.randint(1, 9)))
            moment = at_local(before, dt.time(self.rng.randint(9, 16), self.rng.randint(0, 59)))
            moment = max(moment, case.booked_at + dt.timedelta(hours=2))
        case.fate = Status.CANCELLED
        case.cancelled_at = min(moment, case.start - dt.timedelta(minutes=5))
        case.cancel_cause = cause
        case.cancel_reason = self.rng.choice(spec.reasons)
        case.open_items = spec.open_items
        self.used[cause] += 1

    def _fits(self, case: DemoCase, cause: str) -> bool:
        if cause == Cause.HOLD_NOT_MET:
            return self.has_hold(case)
        if cause == Cause.AUTHORIZATION_MISSING:
            return self.needs_authorization(case)
        if cause in SEDATION_CAUSES:
            return bool(case.sedation if case.sedation is not None else case.procedure.sedation)
        if cause == Cause.IMAGING_MISSING:
            return case.code in IMAGING
        return True

    def _cause(self, case: DemoCase) -> str:
        """A cause that fits the case: one not seen yet if any, so that every cause shows
        up on the dashboard, else the common ones more often."""
        fitting = [c for c in CAUSES if self._fits(case, c)]
        unused = [c for c in fitting if not self.used[c]]
        if unused:
            return self.rng.choice(unused)
        return self.rng.choices(fitting, weights=[WEIGHTS.get(c, 1) for c in fitting])[0]
