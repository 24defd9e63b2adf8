"""Planning every demo case before any is written: the stories' visits, then the regulars'.

Day by day, from a few months back to the days ahead, regular patients whose next visit is
due are offered a place in the agenda; each case is checked with the rules as they stood
when it was booked (`Chart.decide`), and a case the rules refuse is simply not planned, as
a scheduler would not have booked it. Cases before now get their fate (`fates.py`); the
coming days are packed full, so that today and the next clinic day have work on them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from procedures import selectors as procedure_selectors
from procedures.models import ProcedureType
from scheduling.availability import at_local
from scheduling.demo.agenda import Agenda, Placement
from scheduling.demo.cases import DemoCase, Ticks
from scheduling.demo.charts import Chart
from scheduling.demo.days import ClinicDays
from scheduling.demo.fates import Fates
from scheduling.demo.regulars import AFTER_SI_BLOCK, INTERVALS, Track, relief_for
from scheduling.demo.reminder_rules import ReminderRules
from scheduling.demo.stories import NOT_YET, Story, Visit
from scheduling.models import Status

PAST_DAYS = 98  # fourteen weeks of history for the dashboard
PAST_DAY_CASES = (4, 8)
FULL_DAY = 24  # about what two providers get through in a day
LIGHT_DAY = 12
LEAD_DAYS = (8, 28)  # how long before a past case it was booked
# No case starts this close after now: the services would refuse it by the time they run.
MARGIN = dt.timedelta(minutes=10)


@dataclass
class RegularState:
    chart: Chart
    tracks: tuple[Track, ...]
    due: list[dt.date]
    series: list[int] = field(default_factory=list)
    in_window: bool = False  # has a case on one of the schedule days


def schedule_days(days: ClinicDays) -> list[dt.date]:
    """Today when the clinic opens, and the next two clinic days."""
    ahead = [days.next_open(days.today), days.next_open(days.today, 2)]
    return ([days.today] if days.is_open(days.today) else []) + ahead


class Planner:
    def __init__(
        self,
        *,
        days: ClinicDays,
        agenda: Agenda,
        procedures: dict[str, ProcedureType],
        reminder_rules: ReminderRules,
        now: dt.datetime,
        rng: random.Random,
    ) -> None:
        self.days, self.agenda, self.procedures = days, agenda, procedures
        self.reminder_rules = reminder_rules
        self.now, self.rng = now, rng
        self.cases: list[DemoCase] = []
        self.skipped: list[str] = []
        self.charts: dict[int, Chart] = {}
        self._needs_auth: dict[tuple[int | None, int], bool] = {}
        self.fates = Fates(
            days=days,
            now=now,
            rng=rng,
            needs_authorization=self._needs_authorization,
            has_hold=self._has_hold,
            follow_up_days=self._follow_up_days,
        )

    # --- facts the fates need -----------------------------------------------------------------

    def _needs_authorization(self, case: DemoCase) -> bool:
        key = (case.patient.payer_id, case.procedure.pk)
        if key not in self._needs_auth:
            self._needs_auth[key] = procedure_selectors.prior_auth_needed(
                case.patient.payer_id, case.procedure
            )
        return self._needs_auth[key]

    def _has_hold(self, case: DemoCase) -> bool:
        return bool(self.charts[case.patient.pk].rules.holds(case.procedure, case.region))

    def _follow_up_days(self, case: DemoCase) -> tuple[int, ...]:
        return self.reminder_rules.relief_follow_up_days(case.patient, case.procedure)

    # --- placing one case ---------------------------------------------------------------------

    def booking_moment(self, chart: Chart, day: dt.date) -> dt.datetime:
        """When a past case was booked: weeks ahead, but after what the desk had to know
        first (the last visit done, its relief recorded, the follow-up that showed the relief
        lasted), as a scheduler books the next block once the diary of the first is back."""
        lead = self.rng.randint(*LEAD_DAYS)
        clock = dt.time(self.rng.randint(9, 16), self.rng.choice((0, 15, 30, 45)))
        moment = at_local(day - dt.timedelta(days=lead), clock)
        morning = at_local(day, dt.time(7, 0))
        known = [
            m
            for c in chart.cases
            for m in (
                c.booked_at,
                c.completed_at,
                c.relief_at,
                c.cancelled_at,
                c.no_show_at,
                *(f.recorded_at for f in c.follow_ups),
            )
            if m is not None and m < morning
        ]
        if known:
            moment = max(moment, max(known) + dt.timedelta(minutes=30))
        return moment

    def _case(
        self,
        chart: Chart,
        code: str,
        where: tuple[str, str],
        day: dt.date,
        placement: Placement,
        booked_at: dt.datetime,
    ) -> DemoCase:
        region, side = where
        return DemoCase(
            patient=chart.patient,
            procedure=self.procedures[code],
            region=region,
            side=side,
            day=day,
            start=placement.start,
            end=placement.end,
            room_busy_until=placement.room_busy_until,
            provider=placement.provider,
            room=placement.room,
            booked_at=booked_at,
            equipment=placement.equipment,
        )

    def _accept(self, chart: Chart, case: DemoCase, placement: Placement) -> bool:
        decision = chart.decide(
            case.procedure,
            case.region,
            case.side,
            case.day,
            booked_at=case.booked_at,
            at=case.start,
        )
        if not decision.allowed:
            return False
        self.agenda.take(placement, chart.patient.pk)
        chart.cases.append(case)
        self.cases.append(case)
        return True

    # --- the stories --------------------------------------------------------------------------

    def place_story(self, chart: Chart, story: Story) -> None:
        for visit in sorted(story.visits, key=lambda v: v.day):
            if not self._place_visit(chart, visit):
                self.skipped.append(
                    f"{chart.patient.mrn} ({story.stage}): {visit.procedure} on {visit.day}"
                )

    def _place_visit(self, chart: Chart, visit: Visit) -> bool:
        procedure = self.procedures[visit.procedure]
        placement = self.agenda.find(
            patient_id=chart.patient.pk,
            procedure=procedure,
            day=visit.day,
            rng=self.rng,
            pack=True,
            after=visit.after,
        )
        if placement is None:
            return False
        if not visit.upcoming:
            booked_at = self.booking_moment(chart, visit.day)
        elif visit.booked_days_before:
            booked_at = at_local(
                visit.day - dt.timedelta(days=visit.booked_days_before), dt.time(11, 30)
            )
        else:
            booked_at = self.now
        where = (visit.region, visit.side)
        case = self._case(chart, visit.procedure, where, visit.day, placement, booked_at)
        case.sedation = visit.sedation
        case.ticks = visit.ticks
        case.booked_before = bool(visit.upcoming and visit.booked_days_before)
        if not self._accept(chart, case, placement):
            return False
        if not visit.upcoming:
            self.fates.complete(case, None if visit.relief == NOT_YET else visit.relief)
        return True

    # --- the regulars -------------------------------------------------------------------------

    def simulate(self, regulars: list[RegularState]) -> None:
        ahead = schedule_days(self.days)
        first = self.days.today - dt.timedelta(days=PAST_DAYS)
        for day in self.days.open_days(first, ahead[-1]):
            if day < self.days.today:
                target, pack = self.rng.randint(*PAST_DAY_CASES), False
            else:
                light = day == ahead[-1] and len(ahead) == 3
                target, pack = (LIGHT_DAY if light else FULL_DAY), True
            self._fill(day, target, pack, regulars)
        self._desk_work(ahead, frozenset(r.chart.patient.pk for r in regulars))

    def _fill(self, day: dt.date, target: int, pack: bool, regulars: list[RegularState]) -> None:
        upcoming = day >= self.days.today
        waiting = [
            r
            for r in regulars
            if not (upcoming and r.in_window)
            and (upcoming or min(r.due) <= day)
            and not self.agenda.patient_busy_on(r.chart.patient.pk, day)
        ]
        waiting.sort(key=lambda r: (min(r.due), self.rng.random()))
        for regular in waiting:
            if self.agenda.count[day] >= target:
                return
            case = self._try_regular(regular, day, pack)
            if case is not None and upcoming:
                regular.in_window = True

    def _try_regular(self, regular: RegularState, day: dt.date, pack: bool) -> DemoCase | None:
        chart = regular.chart
        order = sorted(range(len(regular.tracks)), key=lambda i: regular.due[i])
        for index in order:
            track = regular.tracks[index]
            for code, region, side in track.requests:
                placement = self.agenda.find(
                    patient_id=chart.patient.pk,
                    procedure=self.procedures[code],
                    day=day,
                    rng=self.rng,
                    pack=pack,
                )
                if placement is None:
                    return None  # the day is full for this procedure
                past = placement.start < self.now
                booked_at = self.booking_moment(chart, day) if past else self.now
                case = self._case(chart, code, (region, side), day, placement, booked_at)
                if code == "RFA":
                    case.sedation = self.rng.random() < 0.6
                if not self._accept(chart, case, placement):
                    continue
                if past:
                    self.fates.settle(case, relief_for(code, self.rng))
                self._next_due(regular, index, case)
                return case
        return None

    def _next_due(self, regular: RegularState, index: int, case: DemoCase) -> None:
        kind, day = regular.tracks[index].kind, case.day
        if case.fate == Status.CANCELLED:
            wait = self.rng.randint(2, 10)
        elif case.fate == Status.NO_SHOW:
            wait = self.rng.randint(7, 21)
        elif kind == "facet" and case.code == "RFA":
            wait = 300  # done with this side for the demo's months
        elif kind == "si" and case.code == "SI_DIAG":
            wait = self.rng.randint(*AFTER_SI_BLOCK)
        elif kind == "sympathetic":
            while len(regular.series) <= index:
                regular.series.append(0)
            regular.series[index] += 1
            done = regular.series[index] >= 4 + index % 3
            if done:
                regular.series[index] = 0
            wait = self.rng.randint(45, 75) if done else self.rng.randint(*INTERVALS[kind])
        else:
            wait = self.rng.randint(*INTERVALS[kind])
        regular.due[index] = day + dt.timedelta(days=wait)

    # --- what the desk does with the coming days ----------------------------------------------

    def _desk_work(self, ahead: list[dt.date], regular_ids: frozenset[int]) -> None:
        """Checklists partly worked, the first patients of the day checked in, and a couple
        of cancellations: what a desk looks like when you sit down at it."""
        upcoming = [
            c
            for c in self.cases
            if c.fate == Status.SCHEDULED and not c.booked_before and c.patient.pk in regular_ids
        ]
        next_day = ahead[1] if ahead[0] == self.days.today else ahead[0]
        for case in upcoming:
            if case.day == self.days.today:
                soon = case.start <= self.now + dt.timedelta(hours=2)
                case.ticks = Ticks.ALL if soon else Ticks.SOME
                case.check_in = case.start <= self.now + dt.timedelta(hours=1)
            elif case.day == next_day:
                case.ticks = Ticks.SOME if self.rng.random() < 0.6 else Ticks.NONE
        later_today = [
            c
            for c in upcoming
            if c.day == self.days.today and not c.check_in and c.ticks != Ticks.ALL
        ]
        if later_today:
            self.rng.choice(later_today).cancel_now = (
                "patient_ill",
                "Called this morning: fever since last night.",
            )
        tomorrow = [c for c in upcoming if c.day == next_day]
        if tomorrow:
            self.rng.choice(tomorrow).cancel_now = (
                "patient_request",
                "Asked to cancel: looking after a sick parent this week; will call to rebook.",
            )
