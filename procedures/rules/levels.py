"""Spinal levels: the segments a case treats, and the region group each one decides.

A facet level is a joint between two vertebrae (`C2-C3` ... `L5-S1`); the foramen of a
transforaminal injection takes the same labels plus `S1`. A level decides its region group
by its upper vertebra: `C7-T1` is cervical/thoracic, `L5-S1` lumbar/sacral (DOMAIN.md).
"""

from __future__ import annotations

from procedures.rules.facts import group_of

_VERTEBRAE = (
    *(f"C{n}" for n in range(2, 8)),
    *(f"T{n}" for n in range(1, 13)),
    *(f"L{n}" for n in range(1, 6)),
    "S1",
)
FACET_LEVELS: tuple[str, ...] = tuple(
    f"{upper}-{lower}" for upper, lower in zip(_VERTEBRAE, _VERTEBRAE[1:], strict=False)
)
LEVELS: tuple[str, ...] = (*FACET_LEVELS, "S1")
_REGION_OF = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}


def region_of_level(level: str) -> str:
    """The region a level's upper vertebra lies in."""
    return _REGION_OF[level[0]]


def level_group(level: str) -> str:
    return group_of(region_of_level(level))


def in_spine_order(levels: tuple[str, ...] | list[str] | set[str]) -> list[str]:
    return sorted(set(levels), key=LEVELS.index)


def levels_outside(region: str, levels: tuple[str, ...] | list[str]) -> list[str]:
    """The levels that lie in another region group than `region` (a typing slip)."""
    return [level for level in levels if level_group(level) != group_of(region)]


def stray_levels_error(region: str | None, levels: tuple[str, ...] | list[str]) -> str | None:
    """The sentence refusing levels outside the region's group; None when they all fit."""
    stray = levels_outside(region, levels) if region else []
    if not stray:
        return None
    return f"{', '.join(stray)} is not in the {region} spine's region group."
