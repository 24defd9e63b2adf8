"""Procedure-side tables: the catalog and drugs, the rule sets, and patients' history."""

from procedures.models.authorizations import AuthorizationStatus, PriorAuthorization
from procedures.models.catalog import (
    Drug,
    HoldRule,
    PatientMedication,
    ProcedureType,
    RegionalBleedingRisk,
    ReminderRule,
)
from procedures.models.checklists import (
    ChecklistCondition,
    ChecklistItemTemplate,
    PayerPriorAuthorization,
    ValueKind,
)
from procedures.models.history import ProcedureHistory, PsychEvaluation
from procedures.models.rules import (
    DiagnosticStep,
    FacetPathwayRule,
    FrequencyLimit,
    LevelLimit,
    MinimumInterval,
    OneRegionPerSession,
    ResponseRequirement,
    RuleSet,
    RulesVersion,
    ScsPathwayRule,
)

__all__ = [
    "DiagnosticStep",
    "AuthorizationStatus",
    "ChecklistCondition",
    "ChecklistItemTemplate",
    "PayerPriorAuthorization",
    "PriorAuthorization",
    "ValueKind",
    "Drug",
    "FacetPathwayRule",
    "FrequencyLimit",
    "HoldRule",
    "LevelLimit",
    "MinimumInterval",
    "OneRegionPerSession",
    "PatientMedication",
    "ProcedureHistory",
    "ProcedureType",
    "PsychEvaluation",
    "RegionalBleedingRisk",
    "ReminderRule",
    "ResponseRequirement",
    "RuleSet",
    "RulesVersion",
    "ScsPathwayRule",
]
