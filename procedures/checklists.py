"""Which checklist items a case needs: DOMAIN.md's table as a pure function of plain facts."""

from __future__ import annotations

from dataclasses import dataclass

from procedures.models.checklists import ChecklistCondition as C


@dataclass(frozen=True)
class CaseFacts:
    procedure: str
    steroid: bool
    fluoroscopy: bool
    contrast: bool
    sedation: bool
    prior_auth_needed: bool
    diabetic: bool
    could_be_pregnant: bool
    holds_any: bool
    inr_needed: bool
    # A drug whose hold-table row at this risk leaves the hold to the prescriber.
    prescriber_decides: bool = False
    contrast_allergy: bool = False


def applies(condition: str, procedures: frozenset[str], case: CaseFacts) -> bool:
    match condition:
        case C.ALWAYS:
            return True
        case C.PRIOR_AUTH:
            return case.prior_auth_needed
        case C.HOLD_PLAN:
            return case.holds_any
        case C.INR:
            return case.inr_needed
        case C.PRESCRIBER_DECIDES:
            return case.prescriber_decides
        case C.DIABETIC_STEROID:
            return case.diabetic and case.steroid
        case C.PREGNANCY_FLUORO:
            return case.could_be_pregnant and case.fluoroscopy
        case C.CONTRAST:
            return case.fluoroscopy and case.contrast
        case C.CONTRAST_PREMEDICATION:
            return case.contrast_allergy and case.contrast
        case C.SEDATION:
            return case.sedation
        case C.PROCEDURES:
            return case.procedure in procedures
    raise ValueError(f"Unknown checklist condition {condition!r}")
