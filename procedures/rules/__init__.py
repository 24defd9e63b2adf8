"""The clinical and payer rules as pure functions over plain values (no database)."""

from procedures.rules.checks import (
    FacetPathway,
    FrequencyLimitRule,
    MinimumIntervalRule,
    ResponseRule,
    ScsPathway,
)
from procedures.rules.evaluate import Decision, Refusal, RuleSetSpec, evaluate, first_allowed
from procedures.rules.facts import Facts, PsychEval, Request, Session, State, Violation
from procedures.rules.sessions import LevelLimitRule, OneRegionPerSessionRule

__all__ = [
    "Decision",
    "FacetPathway",
    "Facts",
    "FrequencyLimitRule",
    "LevelLimitRule",
    "MinimumIntervalRule",
    "OneRegionPerSessionRule",
    "PsychEval",
    "Refusal",
    "Request",
    "ResponseRule",
    "RuleSetSpec",
    "ScsPathway",
    "Session",
    "State",
    "Violation",
    "evaluate",
    "first_allowed",
]
