"""The rules, one small frozen dataclass each, built from a rule set's rows.

`check(facts, request, today)` returns every violation of that rule for the request, each
with a stable code, a sentence a scheduler understands, and a hint: the earliest date from
which that violation would clear if nothing else changed (None when waiting cannot cure it).
No database access here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from procedures.rules.facts import Facts, Request, Session, State, Violation, session_days
from procedures.rules.lasting import Proof, lasting, one_day
from procedures.rules.stages import ALL_STAGES, Stage

PATHWAY_INCOMPLETE = "pathway_incomplete"
OUTCOME_PENDING = "outcome_pending"
INSUFFICIENT_RESPONSE = "insufficient_response"
FREQUENCY_LIMIT = "frequency_limit"
MIN_INTERVAL = "min_interval"
PSYCH_EVALUATION_REQUIRED = "psych_evaluation_required"

NUMBERS = {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def count_words(n: int) -> str:
    return NUMBERS.get(n, str(n))


def where(group: str, scope: str, side: str) -> str:
    if scope == "patient":
        return "this patient"
    if scope == "side":
        return f"the {group} {side} side"
    return f"the {group} region"


def scoped(
    facts: Facts, procedures: frozenset[str], scope: str, request: Request
) -> Iterator[tuple[str, list[Session]]]:
    """The sessions a rule counts, once per place it must hold: each side of a bilateral,
    and each region the requested session counts for (a caudal epidural: lumbar and sacral)."""
    mine = [s for s in facts.sessions if s.procedure in procedures]
    if scope == "patient":
        yield "this patient", mine
        return
    for group in request.regions:
        in_group = [s for s in mine if s.in_region(group)]
        if scope == "region":
            yield where(group, scope, request.side), in_group
            continue
        for side in request.sides:
            yield where(group, scope, side), [s for s in in_group if s.covers_side(side)]


@dataclass(frozen=True)
class FrequencyLimitRule:
    name: str
    procedures: frozenset[str]
    scope: str
    max_sessions: int
    window_days: int
    stage: Stage = ALL_STAGES

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures or not self.stage.applies(facts, request):
            return []
        found = []
        for place, sessions in scoped(facts, self.procedures, self.scope, request):
            sessions = [s for s in sessions if self.stage.counts(facts, s)]
            violation = self._check_place(place, sessions, request.on)
            if violation:
                found.append(violation)
        return found

    def _check_place(self, place: str, sessions: list[Session], day: dt.date) -> Violation | None:
        window = days(self.window_days)
        known = set(session_days(sessions))
        dates = sorted(known | {day})
        # Every rolling window that would hold the new session must stay within the limit:
        # the one ending on its day, and those ending on later booked sessions.
        for anchor in (d for d in dates if day <= d < day + window):
            inside = [d for d in dates if anchor - window < d <= anchor]
            if len(inside) <= self.max_sessions:
                continue
            others = ", ".join(d.isoformat() for d in inside if d != day)
            if anchor == day:
                # Moving later helps once enough of the oldest sessions leave the window.
                hint = inside[len(inside) - self.max_sessions - 1] + window
                detail = (
                    f"{self.name}: {place} already has {len(inside) - 1} in the "
                    f"{self.window_days} days up to {day.isoformat()} ({others})."
                )
            else:
                hint = anchor + days(1)
                if day not in known and len(inside) - 1 <= self.max_sessions:
                    # Or sooner: on a session day in between it is part of that session (one
                    # kind, one date), so it no longer adds one to this window.
                    hint = min(d for d in known if d > day)
                detail = (
                    f"{self.name}: with this one, {place} would have {len(inside)} in the "
                    f"{self.window_days} days up to the session booked on {anchor.isoformat()} "
                    f"({others})."
                )
            return Violation(FREQUENCY_LIMIT, detail, hint)
        return None


@dataclass(frozen=True)
class MinimumIntervalRule:
    name: str
    procedures: frozenset[str]
    scope: str
    min_days: int

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures:
            return []
        found = []
        for place, sessions in scoped(facts, self.procedures, self.scope, request):
            # Same-day cases are one session: intervals count between different dates only.
            close = [
                d
                for d in session_days(sessions)
                if d != request.on and abs((request.on - d).days) < self.min_days
            ]
            if close:
                listed = ", ".join(d.isoformat() for d in close)
                hint = max(close) + days(self.min_days)
                found.append(
                    Violation(
                        MIN_INTERVAL,
                        f"{self.name}: {place} has one on {listed}; keep {self.min_days} days "
                        f"apart (possible from {hint.isoformat()}).",
                        hint,
                    )
                )
        return found


@dataclass(frozen=True)
class ResponseRule:
    """A repeat needs the previous session's relief, lasting `min_days` when that is set."""

    name: str
    procedures: frozenset[str]
    scope: str
    min_relief: int
    lookback_days: int
    min_days: int = 0
    # Which sessions are repeats of which (the Medicare set's therapeutic facet injections).
    stage: Stage = ALL_STAGES

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure not in self.procedures or not self.stage.applies(facts, request):
            return []
        found = []
        lookback = days(self.lookback_days)
        for place, sessions in scoped(facts, self.procedures, self.scope, request):
            earlier = [
                s
                for s in sessions
                if request.on - lookback < s.on < request.on and self.stage.counts(facts, s)
            ]
            if not earlier:
                continue
            # The latest session; of its cases (left and right booked apart) an unrecorded
            # one decides, and the day's follow-ups and durations count for all of them.
            latest = max(s.on for s in earlier)
            that_day = sorted(
                (s for s in earlier if s.on == latest), key=lambda s: s.relief is not None
            )
            previous = one_day(that_day)
            violation = self._judge(facts, previous, place, sessions, request)
            if violation:
                found.append(violation)
        return found

    def _judge(
        self,
        facts: Facts,
        previous: Session,
        place: str,
        sessions: list[Session],
        request: Request,
    ) -> Violation | None:
        label = f"{self.name}: the {facts.name(previous.procedure)} on {previous.on.isoformat()}"
        label += f" in {place}"
        proof_due = previous.on + days(self.min_days) if self.min_days else None
        if previous.state is State.BOOKED:
            return Violation(
                OUTCOME_PENDING,
                f"{label} is booked and not done yet; its relief must be recorded first.",
                proof_due=proof_due,
            )
        judged = lasting(previous, self.min_relief, self.min_days)
        if judged.proof is Proof.PROVED:
            return None
        if judged.proof is Proof.UNRECORDED:
            return Violation(
                OUTCOME_PENDING,
                f"{label} has no relief recorded; its relief must be recorded first.",
                proof_due=proof_due,
            )
        if judged.proof is Proof.PENDING:
            # Waiting alone proves nothing: a follow-up (or the entry's duration) must.
            return Violation(OUTCOME_PENDING, f"{label} {judged.why}.", proof_due=judged.due)
        # It stops being the previous one when it leaves the lookback, or sooner, the day
        # after a later session in scope that proved its relief (which then becomes the
        # previous one; a later one without proof would only refuse in turn).
        hint = previous.on + days(self.lookback_days)
        later = [
            s.on
            for s in sessions
            if s.on >= request.on
            and s.state is State.DONE
            and lasting(s, self.min_relief, self.min_days).proof is Proof.PROVED
        ]
        if later:
            hint = min(hint, min(later) + days(1))
        return Violation(INSUFFICIENT_RESPONSE, f"{label} {judged.why}.", hint)


def one_per_day(sessions: list[Session]) -> list[Session]:
    """Newest first, one session a date: the best-documented case of that date, with the
    follow-ups and durations of all of them (one session, however many cases)."""
    by_day: dict[dt.date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(session.on, []).append(session)
    return [
        one_day(sorted(by_day[d], key=lambda s: s.relief is None))
        for d in sorted(by_day, reverse=True)
    ]


@dataclass(frozen=True)
class FacetPathway:
    name: str
    blocks: frozenset[str]
    ablation: str
    blocks_required: int
    block_min_relief: int
    repeat_min_relief: int
    repeat_min_days: int
    # How long the last ablation's relief must have lasted for a repeat without new blocks.
    repeat_relief_days: int = 0

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure == self.ablation:
            judge = self._ablation
        elif request.procedure in self.blocks:
            judge = self._block
        else:
            return []
        found = []
        for side in request.sides:
            here = [
                s
                for s in facts.sessions
                if s.in_region(request.region) and s.covers_side(side) and s.on < request.on
            ]
            violation = judge(facts, request, side, here)
            if violation:
                found.append(violation)
        return found

    def _since_last_ablation(
        self, here: list[Session], levels: tuple[str, ...] = ()
    ) -> tuple[Session | None, list[Session]]:
        # A repeat is judged per side and level: an ablation elsewhere in the region group
        # (other levels) is not the last one here.
        ablations = one_per_day(
            [s for s in here if s.procedure == self.ablation and s.treats_any(levels)]
        )
        last = ablations[0] if ablations else None
        blocks = [
            s for s in here if s.procedure in self.blocks and (last is None or s.on > last.on)
        ]
        return last, one_per_day(blocks)

    def _block(
        self, facts: Facts, request: Request, side: str, here: list[Session]
    ) -> Violation | None:
        _, blocks = self._since_last_ablation(here)
        open_ = [b for b in blocks if b.relief is None]
        if not open_:
            return None
        block = open_[0]
        how = (
            "is booked and not done yet"
            if block.state is State.BOOKED
            else "has no relief recorded"
        )
        return Violation(
            OUTCOME_PENDING,
            f"The {facts.name(block.procedure)} of the {request.region} {side} side on "
            f"{block.on.isoformat()} {how}; record its relief before booking another block.",
        )

    def _ablation(
        self, facts: Facts, request: Request, side: str, here: list[Session]
    ) -> Violation | None:
        what = f"{facts.name(self.ablation)} of the {request.region} {side} side"
        last, blocks = self._since_last_ablation(here, request.levels)
        judged = (
            lasting(last, self.repeat_min_relief, self.repeat_relief_days)
            if last is not None
            else None
        )
        if last is not None and judged is not None and judged.proof is Proof.PROVED:
            allowed_from = last.on + days(self.repeat_min_days)
            if request.on < allowed_from:
                return Violation(
                    MIN_INTERVAL,
                    f"A repeat {what} comes at least {self.repeat_min_days} days after the last "
                    f"one ({last.on.isoformat()}, {last.relief}%): "
                    f"from {allowed_from.isoformat()}.",
                    allowed_from,
                )
            return None
        # The two most recent blocks decide, as for a first ablation.
        positive_since = [
            b
            for b in blocks[: self.blocks_required]
            if b.relief is not None and b.relief >= self.block_min_relief
        ]
        if (
            last is not None
            and judged is not None
            and judged.proof in (Proof.UNRECORDED, Proof.PENDING)
            and len(positive_since) < self.blocks_required
        ):
            # New positive blocks are the other way to a repeat; without them, only proof of
            # the last ablation's relief (recorded, and lasting when the set says so) helps.
            proof_due = judged.due if self.repeat_relief_days else None
            if judged.proof is Proof.UNRECORDED:
                why = (
                    f"has no relief recorded; record it (at least {self.repeat_min_relief}% "
                    "allows a repeat), or start new blocks"
                )
            else:
                why = f"{judged.why}; or start new blocks"
            return Violation(
                OUTCOME_PENDING,
                f"The last {what} ({last.on.isoformat()}) {why}.",
                proof_due=proof_due,
            )

        recent = blocks[: self.blocks_required]
        needs = (
            f"{what} needs {count_words(self.blocks_required)} diagnostic blocks with at least "
            f"{self.block_min_relief}% relief"
        )
        if last is not None:
            needs += f" since the last ablation on {last.on.isoformat()}"
            if judged is not None and judged.proof is Proof.FAILED:
                needs += f" (it {judged.why})"
        listed = "; ".join(f"on {b.describe()}" for b in recent)
        found_text = f"found {count_words(len(recent))}" + (f", {listed}" if recent else "")
        if recent and recent[0].relief is not None and recent[0].relief < self.block_min_relief:
            # API.md: a negative earlier stage is `pathway_incomplete`, like a missing one.
            return Violation(
                PATHWAY_INCOMPLETE,
                f"{needs}; {found_text}. The latest block was negative: start again with a new "
                "first block.",
            )
        pending = [b for b in recent if b.relief is None]
        if pending:
            return Violation(
                OUTCOME_PENDING,
                f"{needs}; {found_text}. Record the relief of the block on "
                f"{pending[0].on.isoformat()} first.",
            )
        positive = [b for b in recent if b.relief is not None and b.relief >= self.block_min_relief]
        uncovered = [
            level
            for level in request.levels
            if any(b.levels and level not in b.levels for b in positive)
        ]
        if len(positive) == self.blocks_required and uncovered:
            # Every level ablated must have been blocked, positively, in both blocks.
            return Violation(
                PATHWAY_INCOMPLETE,
                f"{needs} at each level; {found_text}. Not blocked in both: "
                f"{', '.join(uncovered)}.",
            )
        if len(positive) < self.blocks_required:
            if len(recent) == self.blocks_required:
                # The latest is positive but an earlier one was not: one more positive block.
                return Violation(
                    PATHWAY_INCOMPLETE, f"{needs}; {found_text}. One more positive block is needed."
                )
            return Violation(
                PATHWAY_INCOMPLETE,
                f"{needs}; {found_text}."
                + (" One more block is needed." if len(recent) == self.blocks_required - 1 else ""),
            )
        return None


@dataclass(frozen=True)
class ScsPathway:
    name: str
    trial: str
    implant: str
    psych_valid_days: int
    trial_days: int
    trial_min_relief: int

    def check(self, facts: Facts, request: Request, today: dt.date) -> list[Violation]:
        if request.procedure == self.trial:
            violation = self._trial(facts, request, today)
        elif request.procedure == self.implant:
            violation = self._implant(facts, request)
        else:
            return []
        return [violation] if violation else []

    def _trial(self, facts: Facts, request: Request, today: dt.date) -> Violation | None:
        since = request.on - days(self.psych_valid_days)
        known = [e for e in facts.psych_evaluations if e.on <= min(request.on, today)]
        # The most recent evaluation decides: a later one that does not clear the patient
        # withdraws an earlier clearance (on one date, any that does not clear decides).
        latest = max((e.on for e in known), default=None)
        if latest is not None and since < latest:
            if all(e.cleared for e in known if e.on == latest):
                return None
            why = f"the evaluation on {latest.isoformat()} did not clear the patient"
        elif latest is not None:
            why = f"none is on file (the most recent is of {latest.isoformat()})"
        else:
            why = "none is on file"
        return Violation(
            PSYCH_EVALUATION_REQUIRED,
            f"A {facts.name(self.trial)} needs a psychological evaluation clearing the patient in "
            f"the {self.psych_valid_days} days before it; {why}.",
        )

    def _implant(self, facts: Facts, request: Request) -> Violation | None:
        trials = one_per_day(
            [s for s in facts.sessions if s.procedure == self.trial and s.on < request.on]
        )
        trial_name, implant_name = facts.name(self.trial), facts.name(self.implant)
        if not trials:
            return Violation(
                PATHWAY_INCOMPLETE, f"A {implant_name} needs a completed {trial_name} first."
            )
        trial = trials[0]
        ends = trial.on + days(self.trial_days)
        if request.on < ends:
            return Violation(
                PATHWAY_INCOMPLETE,
                f"The {trial_name} of {trial.on.isoformat()} runs until {ends.isoformat()}; "
                f"no {implant_name} before it has ended and its relief is recorded.",
                ends,
            )
        if trial.relief is None or (
            trial.relief_recorded_on is not None and trial.relief_recorded_on < ends
        ):
            return Violation(
                OUTCOME_PENDING,
                f"Record the relief of the {trial_name} of {trial.on.isoformat()} after the trial "
                f"ended on {ends.isoformat()}.",
            )
        if trial.relief < self.trial_min_relief:
            return Violation(
                INSUFFICIENT_RESPONSE,
                f"The {trial_name} of {trial.on.isoformat()} gave {trial.relief}% relief; a "
                f"{implant_name} needs at least {self.trial_min_relief}%.",
            )
        return None
