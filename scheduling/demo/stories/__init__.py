"""The named patients: one for each stage of each pathway a newcomer should see.

Each story is a patient profile (payer, flags, drugs, history from elsewhere, evaluations,
authorizations) and the visits that put them where they are today. Dates are relative to
today and fall on days the clinic opens; every visit is checked against the rules as they
stood when it was booked, and a story that no longer fits the seeded rules is reported by
the command (and fails its tests) instead of showing something the product would refuse.
"""

from __future__ import annotations

from scheduling.demo.days import ClinicDays
from scheduling.demo.stories.care import other_stories, stimulator_stories
from scheduling.demo.stories.kit import NOT_YET, Story, Visit
from scheduling.demo.stories.spine import epidural_stories, facet_stories

__all__ = ["NOT_YET", "Story", "Visit", "all_stories"]


def all_stories(d: ClinicDays) -> list[Story]:
    stories = facet_stories(d) + epidural_stories(d) + stimulator_stories(d) + other_stories(d)
    return sorted(stories, key=lambda s: s.profile.mrn)
