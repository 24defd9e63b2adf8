"""Relief that lasts: whether a session's relief is proved to have lasted long enough.

DOMAIN.md: "relief of X% lasting D days" is proved by any follow-up at least D days after the
procedure showing at least X% (for history from elsewhere, by its recorded duration). Until
then the answer is pending, and the date from which a follow-up could prove it is `due`. A
follow-up on or after that date showing less, or a recorded duration shorter than D, fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from procedures.rules.facts import Session


class Proof(StrEnum):
    UNRECORDED = "unrecorded"  # no relief recorded at all yet
    PENDING = "pending"  # enough relief on the day; how long it lasted is not proved yet
    PROVED = "proved"
    FAILED = "failed"


@dataclass(frozen=True)
class Lasting:
    proof: Proof
    due: dt.date
    # Why, in words that follow "the <procedure> on <date> in <place> ...".
    why: str


def lasting(session: Session, min_relief: int, min_days: int) -> Lasting:
    """Judge a session's relief against "at least `min_relief`% lasting `min_days` days".

    Proof first: a follow-up on or after the day (or a recorded duration) showing enough
    proves it whatever the day itself showed, since relief often comes days later (a steroid).
    Without proof, poor relief on the day, a poor follow-up on or after the day, or a shorter
    recorded duration fail it; otherwise it is pending (or not recorded at all).
    """
    due = session.on + dt.timedelta(days=min_days)
    lasting_words = f"at least {min_relief}% relief" + (
        f" lasting {min_days} days" if min_days else ""
    )
    if not min_days:
        if session.relief is None:
            return Lasting(Proof.UNRECORDED, due, "has no relief recorded")
        if session.relief < min_relief:
            return Lasting(
                Proof.FAILED, due, f"gave {session.relief}% relief, under the {min_relief}% needed"
            )
        return Lasting(Proof.PROVED, due, f"gave {session.relief}% relief")
    late = [f for f in session.follow_ups if f.on >= due]
    if any(f.relief >= min_relief for f in late):
        return Lasting(Proof.PROVED, due, f"gave {lasting_words}")
    # A history entry's duration counts relief of at least 50% (API.md), or the entry's own.
    relief_of_entry = session.relief if session.relief is not None else 50
    if (
        not late
        and session.relief_days is not None
        and session.relief_days >= min_days
        and relief_of_entry >= min_relief
    ):
        return Lasting(Proof.PROVED, due, f"gave {lasting_words}")
    if late:
        last = max(late, key=lambda f: f.on)
        on_the_day = f"{session.relief}% on the day but " if session.relief is not None else ""
        return Lasting(
            Proof.FAILED,
            due,
            f"gave {on_the_day}{last.relief}% at the follow-up on {last.on.isoformat()} "
            f"(needs {lasting_words})",
        )
    if session.relief is not None and session.relief < min_relief:
        return Lasting(
            Proof.FAILED, due, f"gave {session.relief}% relief, under the {min_relief}% needed"
        )
    if session.relief_days is not None:
        relief = f"{session.relief}% relief" if session.relief is not None else "relief"
        return Lasting(
            Proof.FAILED,
            due,
            f"gave {relief} that lasted {session.relief_days} days (needs {lasting_words})",
        )
    if session.relief is None and not session.follow_ups:
        return Lasting(Proof.UNRECORDED, due, "has no relief recorded")
    proof = (
        "the history entry's duration must show (edit the entry to add it)"
        if session.ref.startswith("history:")
        else f"a follow-up on or after {due.isoformat()} must show"
    )
    shown = f"gave {session.relief}% on the day" if session.relief is not None else "has no proof"
    return Lasting(Proof.PENDING, due, f"{shown}; a repeat needs {lasting_words}, which {proof}")


def one_day(sessions: list[Session]) -> Session:
    """The sessions of one date as one (left and right booked apart are one session): the
    first one's record, with every follow-up and the longest recorded duration of the day."""
    first = sessions[0]
    durations = [s.relief_days for s in sessions if s.relief_days is not None]
    return replace(
        first,
        follow_ups=tuple(f for s in sessions for f in s.follow_ups),
        relief_days=max(durations) if durations else None,
    )
