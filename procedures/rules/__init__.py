"""The clinical and payer rules as pure functions over plain values (no database)."""

from procedures.rules.checks import (
    FacetPathway,
    FrequencyLimitRule,
    MinimumIntervalRule,
    ResponseRule,
    ScsPathway,
)
from procedures.rules.evaluate import (
    Cure,
    Decision,
    Refusal,
    RuleSetSpec,
    evaluate,
    first_allowed,
    first_cure,
)
from procedures.rules.facts import Facts, PsychEval, Request, Session, State, Violation
from procedures.rules.sessions import LevelLimitRule, OneRegionPerSessionRule
from procedures.rules.timing import PremedicationRule

__all__ = [
    "Cure",
    "Decision",
    "FacetPathway",
    "Facts",
    "FrequencyLimitRule",
    "LevelLimitRule",
    "MinimumIntervalRule",
    "OneRegionPerSessionRule",
    "PremedicationRule",
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
    "first_cure",
]
