"""Diagnostic or therapeutic: the Medicare set counts facet injections apart by their stage.

DOMAIN.md (`medicare`): an intra-articular facet injection after two positive diagnostic
blocks in its region group and side is therapeutic; before them it is diagnostic, and counts
with the blocks. A rule row names the stage it counts; most count every session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from procedures.rules.facts import BILATERAL, Facts, Request, Session

ALL = "all"
DIAGNOSTIC = "diagnostic"
THERAPEUTIC = "therapeutic"


@dataclass(frozen=True)
class Stage:
    """Which sessions a rule counts: all, or only those of one stage."""

    kind: str = ALL
    # The diagnostic blocks that make a later injection therapeutic, how many, how good.
    blocks: frozenset[str] = frozenset()
    blocks_required: int = 2
    block_min_relief: int = 80

    def _therapeutic(
        self, facts: Facts, procedure: str, region: str, side: str, on: dt.date
    ) -> bool:
        if procedure in self.blocks:
            return False
        sides = ("left", "right") if side == BILATERAL else (side,)
        for one in sides:
            positive = {
                s.on
                for s in facts.sessions
                if s.procedure in self.blocks
                and s.on < on
                and s.in_region(region)
                and s.covers_side(one)
                and s.relief is not None
                and s.relief >= self.block_min_relief
            }
            if len(positive) < self.blocks_required:
                return False
        return True

    def _of(self, facts: Facts, procedure: str, region: str, side: str, on: dt.date) -> str:
        therapeutic = self._therapeutic(facts, procedure, region, side, on)
        return THERAPEUTIC if therapeutic else DIAGNOSTIC

    def applies(self, facts: Facts, request: Request) -> bool:
        """Whether a rule of this stage judges the request at all."""
        if self.kind == ALL:
            return True
        stage = self._of(facts, request.procedure, request.region, request.side, request.on)
        return stage == self.kind

    def counts(self, facts: Facts, session: Session) -> bool:
        """Whether a rule of this stage counts an earlier or booked session."""
        if self.kind == ALL:
            return True
        stage = self._of(facts, session.procedure, session.region, session.side, session.on)
        return stage == self.kind


ALL_STAGES = Stage()
