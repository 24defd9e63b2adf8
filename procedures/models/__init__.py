"""Procedure-side tables: the catalog and drugs, the rule sets, and patients' history."""

from procedures.models.catalog import (
    Drug,
    HoldRule,
    PatientMedication,
    ProcedureType,
    RegionalBleedingRisk,
    ReminderRule,
)
from procedures.models.history import ProcedureHistory, PsychEvaluation
from procedures.models.rules import (
    FacetPathwayRule,
    FrequencyLimit,
    MinimumInterval,
    ResponseRequirement,
    RuleSet,
    ScsPathwayRule,
)

__all__ = [
    "Drug",
    "FacetPathwayRule",
    "FrequencyLimit",
    "HoldRule",
    "MinimumInterval",
    "PatientMedication",
    "ProcedureHistory",
    "ProcedureType",
    "PsychEvaluation",
    "RegionalBleedingRisk",
    "ReminderRule",
    "ResponseRequirement",
    "RuleSet",
    "ScsPathwayRule",
]
