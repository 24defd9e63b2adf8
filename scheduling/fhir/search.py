"""FHIR search parameters: which a search declares, and how their values are read.

Repeating a parameter means AND (`date=ge2026-11-01&date=lt2026-12-01`); commas inside one
value mean OR (`status=booked,checked-in`). Empty values are ignored. A parameter the search
does not declare is ignored, as FHIR's lenient handling allows, and left out of the links;
with `Prefer: handling=strict` it is a 400 instead. A declared parameter with a value we
cannot read is always a 400 naming it: guessing would answer a different question.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from rest_framework.request import Request

from scheduling.availability import clinic_zone
from scheduling.fhir.errors import BadParameter

# Result parameters every search reads (paging and the format); `_format` is checked by the
# view for reads too.
COUNT, PAGE, FORMAT = "_count", "_page", "_format"
RESULT_PARAMETERS = frozenset({COUNT, PAGE, FORMAT})
DEFAULT_COUNT = 20
MAX_COUNT = 100

# Dates as API.md allows them: nothing a clinic could not mean.
FIRST_YEAR, LAST_YEAR = 1900, 2200


@dataclass(frozen=True)
class Param:
    """A search parameter as the CapabilityStatement lists it."""

    name: str
    type: str  # FHIR's SearchParamType: string, token, reference, date
    documentation: str
    modifiers: tuple[str, ...] = ()


ID = Param("_id", "token", "The resource's id; a comma lists several.")


class Search:
    """The parameters of one search request, checked against those it declares."""

    def __init__(self, request: Request, params: Sequence[Param]) -> None:
        declared = {param.name: param for param in params}
        self._values: dict[str, list[tuple[str, str]]] = {}
        # What the search used, in the order given: the bundle's links repeat exactly these.
        self.used: list[tuple[str, str]] = []
        unsupported: list[str] = []
        for key, values in request.query_params.lists():
            if key in RESULT_PARAMETERS:
                continue
            name, _, modifier = key.partition(":")
            param = declared.get(name)
            if param is None:
                unsupported.append(key)
                continue
            if modifier and modifier not in param.modifiers:
                raise BadParameter(key, f"the modifier :{modifier} is not supported here.")
            for value in values:
                if value.strip():
                    self._values.setdefault(name, []).append((modifier, value.strip()))
                    self.used.append((key, value.strip()))
        if unsupported and _strict(request):
            names = ", ".join(unsupported)
            raise BadParameter(names, "not a search parameter of this resource.")
        self.count = _integer(request, COUNT, DEFAULT_COUNT, minimum=0)
        self.count = min(self.count, MAX_COUNT)
        self.page = _integer(request, PAGE, 1, minimum=1)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count

    def given(self, name: str) -> bool:
        return name in self._values

    def repeats(self, name: str) -> list[tuple[str, list[str]]]:
        """Each repeat of `name` (ANDed) as its modifier and its comma-separated alternatives."""
        return [
            (modifier, [part.strip() for part in value.split(",") if part.strip()])
            for modifier, value in self._values.get(name, [])
        ]

    def matching(self, name: str, condition: Callable[[str, str], Q]) -> Q:
        """`condition(value, modifier)` ORed within a value and ANDed across repeats."""
        found = Q()
        for modifier, alternatives in self.repeats(name):
            either = Q(pk__in=[])
            for value in alternatives:
                either |= condition(value, modifier)
            found &= either
        return found

    def ids(self, field: str = "pk") -> Q:
        """The `_id` parameter: ids are integers, so any other text matches nothing."""

        def condition(value: str, _: str) -> Q:
            number = row_id(value)
            return Q(pk__in=[]) if number is None else Q(**{field: number})

        return self.matching(ID.name, condition)


def row_id(text: str) -> int | None:
    """The row id a text names, or None when it cannot name one (a database integer is at
    most 19 digits; a longer one would overflow the query rather than match nothing)."""
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _strict(request: Request) -> bool:
    prefer = request.headers.get("Prefer", "")
    return any(part.strip().lower() == "handling=strict" for part in prefer.split(","))


def _integer(request: Request, name: str, default: int, *, minimum: int) -> int:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < minimum:
        raise BadParameter(name, f"must be a whole number from {minimum}.")
    return int(text)


# --- Dates --------------------------------------------------------------------------------------

_DATE = re.compile(
    r"(?P<prefix>[a-z]{2})?"
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})(?P<time>T.+)?)?)?"
)
SUPPORTED_PREFIXES = ("eq", "ge", "gt", "le", "lt")


@dataclass(frozen=True)
class DateValue:
    """A date search value: a prefix and the range its precision covers, [low, high)."""

    prefix: str
    low: dt.datetime
    high: dt.datetime

    def condition(self, field: str, *, dates: bool = False) -> Q:
        """The rows whose `field` (a moment, or a date with `dates`) the value selects."""
        low: Any = self.low
        high: Any = self.high
        if dates:
            # Dates are clinic days; a range ending inside a day takes that whole day.
            low = self.low.astimezone(clinic_zone()).date()
            end = self.high.astimezone(clinic_zone())
            high = end.date() + dt.timedelta(days=0 if end.time() == dt.time.min else 1)
        return {
            "eq": Q(**{f"{field}__gte": low, f"{field}__lt": high}),
            "ge": Q(**{f"{field}__gte": low}),
            "gt": Q(**{f"{field}__gte": high}),
            "le": Q(**{f"{field}__lt": high}),
            "lt": Q(**{f"{field}__lt": low}),
        }[self.prefix]

    @property
    def earliest(self) -> dt.datetime | None:
        """The first moment the value lets in, when it sets a lower bound."""
        return {"eq": self.low, "ge": self.low, "gt": self.high}.get(self.prefix)

    @property
    def latest(self) -> dt.datetime | None:
        """The moment before which everything it lets in lies, when it sets an upper bound."""
        return {"eq": self.high, "le": self.high, "lt": self.low}.get(self.prefix)


def parse_date(name: str, text: str) -> DateValue:
    """`ge2026-11-18`, `2026-11`, `lt2026-11-18T10:30:00-05:00`: dates are clinic days; a time
    without an offset is on the clinic's clock."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise BadParameter(name, f"{text!r} is not a FHIR date (like ge2026-11-18).")
    prefix = match["prefix"] or "eq"
    if prefix not in SUPPORTED_PREFIXES:
        raise BadParameter(
            name, f"the prefix {prefix!r} is not supported; use {', '.join(SUPPORTED_PREFIXES)}."
        )
    year = int(match["year"])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadParameter(name, f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}.")
    try:
        low, high = _range(match)
    except ValueError as exc:
        raise BadParameter(name, f"{text!r} is not a real date or time.") from exc
    return DateValue(prefix, low, high)


def _range(match: re.Match[str]) -> tuple[dt.datetime, dt.datetime]:
    zone = clinic_zone()
    year = int(match["year"])
    if match["month"] is None:
        return dt.datetime(year, 1, 1, tzinfo=zone), dt.datetime(year + 1, 1, 1, tzinfo=zone)
    month = int(match["month"])
    if match["day"] is None:
        after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        return dt.datetime(year, month, 1, tzinfo=zone), after
    day = dt.date(year, month, int(match["day"]))
    if match["time"] is None:
        start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    time = match["time"][1:]
    moment = dt.datetime.fromisoformat(f"{day.isoformat()}T{time}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    # The precision given is the range meant: to the minute, the second, or exactly.
    digits = re.match(r"[\d:.]*", time)
    clock = digits[0] if digits else ""
    if "." in clock:
        width = dt.timedelta(microseconds=1)
    elif clock.count(":") >= 2:
        width = dt.timedelta(seconds=1)
    else:
        width = dt.timedelta(minutes=1)
    return moment, moment + width


def dates(search: Search, name: str) -> list[DateValue]:
    """Every value of a date parameter that bounds a range (repeats AND, no commas)."""
    found = []
    for _, values in search.repeats(name):
        if len(values) > 1:
            raise BadParameter(name, "one date a value here; repeat the parameter instead.")
        found += [parse_date(name, text) for text in values]
    return found


def date_condition(search: Search, name: str, field: str, *, as_dates: bool = False) -> Q:
    return search.matching(
        name, lambda text, _: parse_date(name, text).condition(field, dates=as_dates)
    )


# --- References and tokens ----------------------------------------------------------------------


def reference_id(name: str, text: str, resource_type: str) -> int:
    """`Practitioner/12`, an absolute URL ending so, or a bare `12`: the id, 12."""
    parts = text.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2] != resource_type:
        raise BadParameter(name, f"{text!r} does not refer to a {resource_type}.")
    number = row_id(parts[-1])
    if number is None:
        raise BadParameter(name, f"{text!r} is not a {resource_type} id.")
    return number


def reference_condition(search: Search, name: str, resource_type: str, field: str) -> Q:
    return search.matching(
        name, lambda text, _: Q(**{field: reference_id(name, text, resource_type)})
    )


def token(text: str) -> tuple[str | None, str]:
    """`system|code` as (system, code); a bare `code` as (None, code), any system."""
    if "|" in text:
        system, _, code = text.partition("|")
        return system, code
    return None, text


def identifier_condition(search: Search, name: str, system: str, field: str) -> Q:
    """An identifier token: the value exactly, in our system (or any system, when none given)."""

    def condition(text: str, _: str) -> Q:
        given_system, value = token(text)
        if given_system is not None and given_system != system:
            return Q(pk__in=[])
        return Q(**{field: value})

    return search.matching(name, condition)


def string_condition(search: Search, name: str, fields: Sequence[str]) -> Q:
    """FHIR string search: the start of any of the fields, ignoring case; `:exact` and
    `:contains` as FHIR defines them."""

    def condition(text: str, modifier: str) -> Q:
        lookup = {"exact": "exact", "contains": "icontains"}.get(modifier, "istartswith")
        either = Q(pk__in=[])
        for field in fields:
            either |= Q(**{f"{field}__{lookup}": text})
        return either

    return search.matching(name, condition)


STRING_MODIFIERS = ("exact", "contains")
