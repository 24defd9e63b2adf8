"""Shared equipment a procedure needs (an RF generator): which units a case may take at a
room's site, and the sentence a scheduler reads when the site has none.

Booking (`services.booking.check_place`) and slot search (`slots.find_slots`) ask these of
the units the process keeps (`selectors.kept_equipment`), so neither reads a row per case.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.models import Equipment, Room
from procedures.models import ProcedureType
from scheduling.availability import BusyIndex, local_date
from scheduling.selectors import kept_equipment, kept_equipment_kinds


def units_at(kind_id: int, site_id: int) -> list[Equipment]:
    """The active units of a kind at a site, in the order booking tries them (by name)."""
    units = [
        unit
        for unit in kept_equipment().values()
        if unit.active and unit.kind_id == kind_id and unit.site_id == site_id
    ]
    return sorted(units, key=lambda unit: (unit.name, unit.pk))


def a_kind(kind: str) -> str:
    """A kind of equipment as a sentence names it: "an RF generator", "a portable C-arm"."""
    acronym = kind.split()[0].isupper()
    spoken = kind if acronym else kind[0].lower() + kind[1:]
    # Letters whose names start with a vowel sound: "an RF", "an MRI".
    vowel = kind[0] in ("AEFHILMNORSX" if acronym else "AEIOUaeiou")
    return f"{'an' if vowel else 'a'} {spoken}"


def none_at_site(procedure_type: ProcedureType, room: Room) -> str:
    """Why the room's site cannot host the procedure for want of its equipment, or ""."""
    # By id: the catalog row may come from what the process keeps, its kind not loaded.
    kind_id = procedure_type.equipment_kind_id
    if kind_id is None or units_at(kind_id, room.site_id):
        return ""
    kind = kept_equipment_kinds()[kind_id]
    return (
        f"{procedure_type.name} needs {a_kind(kind.name)}, and {room.site.name} has none; "
        "a manager adds one in the admin under Equipment."
    )


def _hm(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def all_in_use(
    units: list[Equipment], busy: BusyIndex, start: dt.datetime, end: dt.datetime
) -> str:
    """Why no unit can be taken for [start, end), or "" when one is free: the booking's
    refusal and the "why not this time?" answer, in the same words."""
    if not units or busy.free_unit([unit.pk for unit in units], start, end) is not None:
        return ""
    uses = "; ".join(
        f"{unit.name}: {_hm(taken.start)}-{_hm(taken.end)}"
        for unit in units
        if (taken := busy.unit_busy(unit.pk, start, end)) is not None
    )
    return (
        f"Every {units[0].kind.name} at {units[0].site.name} is in use {_hm(start)}-{_hm(end)} "
        f"on {local_date(start):%a %d %b %Y} ({uses})."
    )
