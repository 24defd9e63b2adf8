"""Relief that lasts: whether a session's relief is proved to have lasted long enough.

DOMAIN.md: "relief of X% lasting D days" is proved by any follow-up at least D days after the
procedure showing at least X% (for history from elsewhere, by its recorded duration). Until
then the answer is pending, and the date from which a follow-up could prove it is `due`. A
follow-up on or after that date showing less, or a recorded duration shorter than D, fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    """Judge a session's relief against "at least `min_relief`% lasting `min_days` days"."""
    due = session.on + dt.timedelta(days=min_days)
    lasting_words = f"at least {min_relief}% relief" + (
        f" lasting {min_days} days" if min_days else ""
    )
    if session.relief is None:
        return Lasting(Proof.UNRECORDED, due, "has no relief recorded")
    if session.relief < min_relief:
        return Lasting(
            Proof.FAILED, due, f"gave {session.relief}% relief, under the {min_relief}% needed"
        )
    if not min_days:
        return Lasting(Proof.PROVED, due, f"gave {session.relief}% relief")
    late = [f for f in session.follow_ups if f.on >= due]
    if any(f.relief >= min_relief for f in late):
        return Lasting(Proof.PROVED, due, f"gave {lasting_words}")
    if late:
        last = max(late, key=lambda f: f.on)
        return Lasting(
            Proof.FAILED,
            due,
            f"gave {session.relief}% on the day but {last.relief}% at the follow-up on "
            f"{last.on.isoformat()} (needs {lasting_words})",
        )
    if session.relief_days is not None:
        if session.relief_days >= min_days:
            return Lasting(Proof.PROVED, due, f"gave {lasting_words}")
        return Lasting(
            Proof.FAILED,
            due,
            f"gave {session.relief}% relief that lasted {session.relief_days} days "
            f"(needs {lasting_words})",
        )
    proof = (
        "the history entry's duration must show (edit the entry to add it)"
        if session.ref.startswith("history:")
        else f"a follow-up on or after {due.isoformat()} must show"
    )
    return Lasting(
        Proof.PENDING,
        due,
        f"gave {session.relief}% on the day; a repeat needs {lasting_words}, which {proof}",
    )
