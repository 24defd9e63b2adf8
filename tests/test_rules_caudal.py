"""A caudal epidural counts for the lumbar and the sacral region, as a request too."""

from __future__ import annotations

import dataclasses

from tests.rules_fixtures import ask, done, judge


def caudal(region: str, on: str):
    return dataclasses.replace(
        ask("ESI_CAUDAL", region, "left", on), counts_as_regions=("lumbar", "sacral")
    )


def test_a_caudal_recorded_as_sacral_is_refused_when_the_lumbar_region_is_full():
    history = [
        done("ESI_IL", "lumbar", "left", "2026-03-01", relief=70),
        done("ESI_TF", "lumbar", "left", "2026-04-01", relief=70),
        done("ESI_TF", "lumbar", "right", "2026-05-01", relief=70),
    ]
    decision = judge(history, caudal("sacral", "2026-06-01"))
    assert not decision.allowed
    assert [v.code for v in decision.violations] == ["frequency_limit"]
    assert "lumbar" in decision.violations[0].detail
    # The oldest of the three leaves the 183-day window on 2026-08-31.
    assert decision.eligible_from.isoformat() == "2026-08-31"


def test_the_same_caudal_with_a_quiet_lumbar_history_is_allowed():
    history = [done("ESI_IL", "lumbar", "left", "2026-03-01", relief=70)]
    assert judge(history, caudal("sacral", "2026-06-01")).allowed
