"""Relief: the percentage reduction of the index pain (DOMAIN.md)."""

from __future__ import annotations


def relief_from_scores(before: int, after: int) -> int:
    """`round(100 * (before - after) / before)` from 0-10 scores, never below 0.

    Worse pain after the procedure is no relief (0), not a negative percentage: the
    thresholds only ask whether relief reached a level.
    """
    if not 0 < before <= 10 or not 0 <= after <= 10:
        raise ValueError("Pain scores are 0-10, and the score before must be above 0.")
    return max(0, round(100 * (before - after) / before))
