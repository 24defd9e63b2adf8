"""Which days the demo clinic opens, read from the same calendar booking reads.

Stories say "about ten days ago" or "in two weeks"; these helpers turn that into a date the
clinic was (or will be) open, so the demo never puts a case on a weekend or a holiday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from clinic.models import Provider, Room
from scheduling.availability import Calendar, Interval

ONE_DAY = dt.timedelta(days=1)
# Far enough back for history from elsewhere, far enough ahead for the next weeks' bookings.
REACH_BACK = dt.timedelta(days=500)
REACH_AHEAD = dt.timedelta(days=200)


@dataclass
class ClinicDays:
    today: dt.date
    calendar: Calendar
    provider_ids: tuple[int, ...]
    _open: dict[dt.date, bool] = field(default_factory=dict)

    @classmethod
    def load(
        cls, today: dt.date, providers: tuple[Provider, ...], rooms: tuple[Room, ...]
    ) -> ClinicDays:
        calendar = Calendar.load(
            first=today - REACH_BACK,
            last=today + REACH_AHEAD,
            provider_ids=[p.pk for p in providers],
            room_ids=[r.pk for r in rooms],
        )
        return cls(today, calendar, tuple(p.pk for p in providers))

    def is_open(self, day: dt.date) -> bool:
        """The clinic opens and at least one provider works that day."""
        if day not in self._open:
            self._open[day] = bool(self.calendar.clinic_open(day)) and any(
                self.calendar.provider_hours(pk, day) for pk in self.provider_ids
            )
        return self._open[day]

    def provider_hours(self, provider_id: int, day: dt.date) -> list[Interval]:
        return self.calendar.provider_hours(provider_id, day) if self.is_open(day) else []

    def on_or_before(self, day: dt.date) -> dt.date:
        while not self.is_open(day):
            day -= ONE_DAY
        return day

    def on_or_after(self, day: dt.date) -> dt.date:
        while not self.is_open(day):
            day += ONE_DAY
        return day

    def ago(self, days: int) -> dt.date:
        """The last open day at least `days` days before today."""
        return self.on_or_before(self.today - dt.timedelta(days=days))

    def ahead(self, days: int) -> dt.date:
        """The first open day at least `days` days after today."""
        return self.on_or_after(self.today + dt.timedelta(days=days))

    def next_open(self, day: dt.date, count: int = 1) -> dt.date:
        """The `count`-th open day after `day`."""
        for _ in range(count):
            day = self.on_or_after(day + ONE_DAY)
        return day

    def weekday_before(self, days: int) -> dt.date:
        """A weekday about `days` ago, for things done elsewhere (their calendar, not ours)."""
        day = self.today - dt.timedelta(days=days)
        while day.weekday() >= 5:
            day -= ONE_DAY
        return day

    def open_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        found, day = [], first
        while day <= last:
            if self.is_open(day):
                found.append(day)
            day += ONE_DAY
        return found
