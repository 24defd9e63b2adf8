"""The benchmark clinic's days, in plain Python: who works where, and which cases fill them.

Two sites, each with 8 fluoroscopy suites and 2 exam rooms (15 minutes of turnover), and 12
providers (6 a site) with weekly hours and three weeks of vacation a year. A day is played
out per site: the provider free first takes the next case (procedures drawn from a typical
interventional pain mix) in the suitable room free first, so providers run two rooms while
one turns over, and no room, provider or patient is ever in two active cases at once.
Patients then follow their pathways in date order (`assign`): a positive first medial branch
block leads to a second, a positive second to an ablation, a good stimulator trial to an
implant, most patients come back for other procedures, and some fall out on the way (the
dashboard's stuck patients). Nothing here touches the database: `bench_data` writes it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SITES = ("North campus", "South campus")
FLUORO_ROOMS, EXAM_ROOMS, TURNOVER = 8, 2, 15
PROVIDERS_PER_SITE = 6
VACATION_WEEKS = 3
OPEN_MINUTE = 7 * 60  # rooms open at 07:00 (the seeded clinic hours)

# Cases per 100, by procedure code (any code missing from the catalog is skipped).
MIX = {
    "TPI": 12.0,
    "ESI_TF": 14.0,
    "ESI_IL": 10.0,
    "ESI_CAUDAL": 4.0,
    "MBB": 16.0,
    "FACET_IA": 3.0,
    "RFA": 9.0,
    "SI_JOINT": 7.0,
    "SYMPATHETIC": 3.0,
    "SCS_TRIAL": 1.5,
    "SCS_IMPLANT": 0.8,
    "KYPHOPLASTY": 1.0,
    "DISCOGRAPHY": 0.5,
}


def provider_hours(index: int) -> dict[int, tuple[int, int]]:
    """Weekday -> (start, end) in minutes after midnight. The first four work every weekday
    07:00-18:00 (the booking bench books them on far-future days); the next four finish at
    13:00 on Fridays; the last four keep Wednesday afternoons for clinic visits."""
    full = (7 * 60, 18 * 60)
    week = dict.fromkeys(range(5), full)
    if 4 <= index < 8:
        week[4] = (7 * 60, 13 * 60)
    elif index >= 8:
        week[2] = (7 * 60, 12 * 60)
    return week


def fill_rate(days_ahead: int) -> float:
    """How full a future day is: the next 30 days about 90%, thinning out over the year."""
    if days_ahead <= 0:
        return 1.0
    if days_ahead <= 30:
        return 0.9
    if days_ahead <= 90:
        return 0.75
    if days_ahead <= 180:
        return 0.5
    return 0.25


@dataclass(frozen=True)
class Proc:
    index: int
    code: str
    minutes: int
    fluoro: bool


@dataclass(frozen=True)
class Slot:
    """A case's place: day, minutes after midnight, procedure, provider, room; `extra` marks
    a slot that also holds a case cancelled days before (its time was booked again)."""

    day: dt.date
    start: int
    proc: int
    provider: int
    room: int
    extra: bool


class Vacations:
    """Three weeks a year per provider, drawn once per provider and year (repeatable)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.weeks: dict[tuple[int, int], set[int]] = {}

    def off(self, provider: int, day: dt.date) -> bool:
        key = (provider, day.year)
        if key not in self.weeks:
            rng = random.Random(self.seed * 100_003 + provider * 1_009 + day.year)
            self.weeks[key] = set(rng.sample(range(1, 51), VACATION_WEEKS))
        return day.isocalendar().week in self.weeks[key]


def play_day(
    day: dt.date,
    procs: list[Proc],
    cumulative: list[float],
    rng: random.Random,
    vacations: Vacations,
) -> list[tuple[int, int, int, int]]:
    """(start minute, proc, provider, room) of every case the day holds, both sites."""
    cases: list[tuple[int, int, int, int]] = []
    shortest = min(procs, key=lambda p: p.minutes)
    rooms_per_site = FLUORO_ROOMS + EXAM_ROOMS
    for site in range(len(SITES)):
        first_provider = site * PROVIDERS_PER_SITE
        room_free = [OPEN_MINUTE] * rooms_per_site  # index < FLUORO_ROOMS: fluoroscopy
        ready: list[tuple[int, int, int]] = []  # (free at, provider, end of day)
        for provider in range(first_provider, first_provider + PROVIDERS_PER_SITE):
            hours = provider_hours(provider).get(day.weekday())
            if hours and not vacations.off(provider, day):
                ready.append((hours[0], provider, hours[1]))
        heapq.heapify(ready)
        while ready:
            free, provider, day_end = heapq.heappop(ready)
            proc = procs[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
            for candidate in (proc, shortest):
                rooms = range(rooms_per_site) if not candidate.fluoro else range(FLUORO_ROOMS)
                # A non-fluoroscopy case takes an exam room when one is free as soon.
                room = min(rooms, key=lambda r: (max(free, room_free[r]), r < FLUORO_ROOMS))
                start = max(free, room_free[room])
                if start + candidate.minutes <= day_end:
                    break
            else:
                continue  # nothing fits before this provider's day ends
            end = start + candidate.minutes
            room_free[room] = end + TURNOVER
            cases.append((start, candidate.index, provider, site * rooms_per_site + room))
            heapq.heappush(ready, (end, provider, day_end))
    cases.sort()
    return cases


def lay_out(
    *,
    total: int,
    last_day: dt.date,
    today: dt.date,
    procs: list[Proc],
    closed: Callable[[dt.date], bool],
    density: float,
    seed: int,
    extra_cancelled: float = 0.035,
) -> list[Slot]:
    """Days from `last_day` backwards until they hold `total` rows, in date order."""
    rng = random.Random(seed)
    vacations = Vacations(seed)
    cumulative = []
    running = 0.0
    for proc in procs:
        running += MIX.get(proc.code, 0.0)
        cumulative.append(running)
    days: list[list[Slot]] = []
    rows = 0
    day = last_day
    while rows < total:
        if not closed(day):
            keep = fill_rate((day - today).days) * density
            slots = [
                Slot(day, start, proc, provider, room, rng.random() < extra_cancelled)
                for start, proc, provider, room in play_day(day, procs, cumulative, rng, vacations)
                if rng.random() < keep
            ]
            rows += sum(2 if s.extra else 1 for s in slots)
            days.append(slots)
        day -= dt.timedelta(days=1)
    # The earliest day is cut from its morning so the rows come to exactly `total`.
    earliest = days[-1]
    while rows > total:
        slot = earliest.pop(0)
        rows -= 2 if slot.extra else 1
        if rows < total:  # dropped a pair where one row was too many: put back its case
            earliest.insert(
                0, Slot(slot.day, slot.start, slot.proc, slot.provider, slot.room, False)
            )
            rows += 1
    return [slot for slots in reversed(days) for slot in slots]


class Queues:
    """Patients waiting for their next case, by kind of next step.

    A patient is in at most one queue, and only from the day after their last case: two
    active cases of one patient never fall on the same day. An entry not taken before it
    expires is a patient who fell out of the pathway.
    """

    def __init__(self) -> None:
        self.heaps: dict[str, list[tuple[int, int, int, int, str, str]]] = {}
        self.seq = 0
        self.expired: dict[str, int] = {}

    def put(
        self, name: str, patient: int, ready: int, expires: int, region: str, side: str
    ) -> None:
        self.seq += 1
        heapq.heappush(
            self.heaps.setdefault(name, []), (ready, self.seq, patient, expires, region, side)
        )

    def take(self, name: str, day: int) -> tuple[int, str, str] | None:
        heap = self.heaps.get(name)
        while heap and heap[0][0] <= day:
            _, _, patient, expires, region, side = heapq.heappop(heap)
            if expires >= day:
                return patient, region, side
            self.expired[name] = self.expired.get(name, 0) + 1
        return None


class Weights:
    """A weighted draw, its cumulative table built once (random.choices rebuilds it)."""

    def __init__(self, table: dict[str, float]) -> None:
        self.keys = list(table)
        self.cumulative = list(itertools.accumulate(table.values()))

    def pick(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (randint's speed matters a million times)."""
    return low + int(rng.random() * (high - low + 1))


LATERAL = Weights({"left": 3, "right": 3, "bilateral": 4})
ONE_SIDE = Weights({"left": 1, "right": 1})
# Where each kind of procedure is done: (regions, sides); sides None: LATERAL.
WHERE: dict[str, tuple[Weights, Weights | str]] = {
    "MBB": (Weights({"lumbar": 75, "cervical": 20, "thoracic": 5}), LATERAL),
    "ESI_TF": (
        Weights({"lumbar": 80, "cervical": 20}),
        Weights({"left": 4, "right": 4, "bilateral": 2}),
    ),
    "ESI_IL": (Weights({"lumbar": 60, "cervical": 35, "thoracic": 5}), "bilateral"),
    "ESI_CAUDAL": (Weights({"lumbar": 1}), "bilateral"),
    "SI_JOINT": (Weights({"sacral": 1}), LATERAL),
    "SCS_TRIAL": (Weights({"thoracic": 70, "lumbar": 30}), "bilateral"),
    "SYMPATHETIC": (Weights({"lumbar": 70, "cervical": 30}), ONE_SIDE),
    "TPI": (Weights({"lumbar": 50, "cervical": 30, "thoracic": 20}), LATERAL),
}
for _same, _as in (
    ("RFA", "MBB"),
    ("FACET_IA", "MBB"),
    ("DISCOGRAPHY", "ESI_CAUDAL"),
    ("SCS_IMPLANT", "SCS_TRIAL"),
    ("KYPHOPLASTY", "SCS_TRIAL"),
):
    WHERE[_same] = WHERE[_as]


def region_side(code: str, rng: random.Random) -> tuple[str, str]:
    """Where a procedure of this kind is usually done."""
    regions, sides = WHERE.get(code, WHERE["TPI"])
    return regions.pick(rng), sides if isinstance(sides, str) else sides.pick(rng)


def days_of(slots: list[Slot]) -> Iterator[tuple[dt.date, list[Slot]]]:
    start = 0
    while start < len(slots):
        end = start
        while end < len(slots) and slots[end].day == slots[start].day:
            end += 1
        yield slots[start].day, slots[start:end]
        start = end
