"""Quiet hours on the clinic's clock: when a message to a patient may go out.

Pure arithmetic over plain values; `scheduling.reminders.plan` supplies the settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


def clock_time(value: str) -> dt.time:
    """A setting's HH:MM as a time."""
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time
    zone: ZoneInfo

    @property
    def wraps(self) -> bool:
        """The usual case: quiet from the evening to the next morning."""
        return self.start > self.end

    def inside(self, moment: dt.datetime) -> bool:
        clock = moment.astimezone(self.zone).time()
        if self.wraps:
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end

    def past_evening_start(self, moment: dt.datetime) -> bool:
        """Whether the evening's quiet hours have begun on `moment`'s clinic day: a message
        due that day would go out only the next morning. Quiet hours that do not wrap past
        midnight end the same day: nothing is pushed over."""
        return self.wraps and moment.astimezone(self.zone).time() >= self.start

    def later(self, moment: dt.datetime) -> dt.datetime:
        """A time inside quiet hours moves to their end (20:00-08:00: to 08:00)."""
        if not self.inside(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.wraps and local.time() >= self.start:
            day += dt.timedelta(days=1)
        return _at(day, self.end, self.zone)

    def earlier(self, moment: dt.datetime) -> dt.datetime:
        """A time inside quiet hours moves back to the minute before they began: a message
        that must arrive before something (the first premedication dose) is never late."""
        if not self.inside(moment):
            return moment
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.wraps and local.time() < self.end:
            day -= dt.timedelta(days=1)
        return _at(day, self.start, self.zone) - dt.timedelta(minutes=1)


def _at(day: dt.date, clock: dt.time, zone: ZoneInfo) -> dt.datetime:
    # Through UTC, so a wall time that a DST change skips lands on a real instant.
    return dt.datetime.combine(day, clock, tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
