"""Read-side queries over the catalog and the patients' medications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from clinic.models import Patient
from procedures import versioned
from procedures.holds import HoldInstruction
from procedures.models import (
    AuthorizationStatus,
    ChecklistItemTemplate,
    Drug,
    FacetPathwayRule,
    HoldRule,
    PatientMedication,
    PayerPriorAuthorization,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
    RegionalBleedingRisk,
    ReminderRule,
    RuleSet,
)
from procedures.models.rules import PayerRuleSet
from procedures.plan import ReminderSpec, TemplateSpec
from procedures.rules import (
    FacetPathway,
    FrequencyLimitRule,
    LevelLimitRule,
    MinimumIntervalRule,
    OneRegionPerSessionRule,
    PsychEval,
    ResponseRule,
    RuleSetSpec,
    ScsPathway,
    Session,
    State,
)
from procedures.rules.evaluate import Rule
from procedures.rules.stages import ALL, DIAGNOSTIC, THERAPEUTIC, Stage
from procedures.rules.steps import DiagnosticStepRule


def active_procedures() -> dict[str, ProcedureType]:
    """The active catalog by code, kept per process and rules version (booking names the
    procedure by its code)."""
    return versioned.kept(
        "active_procedures",
        lambda: {p.code: p for p in ProcedureType.objects.filter(active=True)},
    )


def procedure_types_active() -> QuerySet[ProcedureType]:
    return ProcedureType.objects.filter(active=True).prefetch_related("regional_risks")


def drugs_with_holds() -> QuerySet[Drug]:
    return Drug.objects.prefetch_related("hold_rules")


def current_medications(patient: Patient) -> QuerySet[PatientMedication]:
    return PatientMedication.objects.filter(patient=patient, ended_at__isnull=True).select_related(
        "drug"
    )


# --- Rule sets ----------------------------------------------------------------------------------


def _payer_sets() -> tuple[dict[int, RuleSet], RuleSet | None]:
    links = PayerRuleSet.objects.select_related("rule_set")
    return (
        {link.payer_id: link.rule_set for link in links},
        RuleSet.objects.filter(is_default=True).first(),
    )


def rule_set_for_payer(payer_id: int | None) -> RuleSet:
    """The payer's own rule set if it has one, else the clinic default."""
    by_payer, default = versioned.kept("payer_sets", _payer_sets)
    if payer_id is not None and payer_id in by_payer:
        return by_payer[payer_id]
    if default is None:
        raise RuleSet.DoesNotExist("No default rule set: mark one as default in the admin.")
    return default


def active_reminder_rules() -> list[ReminderRule]:
    """Every active reminder row (a few dozen), kept per process and rules version."""
    return versioned.kept(
        "reminder_rules", lambda: list(ReminderRule.objects.filter(active=True).order_by("pk"))
    )


def reminder_rules_for_set(rows: Iterable[ReminderRule], rule_set_id: int) -> list[ReminderRule]:
    """The rows that apply to a patient held to `rule_set_id`: the set's own rows win over the
    rows for every set of the same kind and procedure (Medicare proves ESI relief later)."""
    mine = [r for r in rows if r.rule_set_id in (None, rule_set_id)]
    own = {(r.procedure_type_id, r.kind) for r in mine if r.rule_set_id is not None}
    return [
        r for r in mine if r.rule_set_id is not None or (r.procedure_type_id, r.kind) not in own
    ]


def _codes(manager: object) -> frozenset[str]:
    return frozenset(p.code for p in manager.all())  # type: ignore[attr-defined]


def _stages(facets: list[FacetPathwayRule]) -> dict[str, Stage]:
    """The stages a row may name, told apart by the set's facet pathway (its first active)."""
    if not facets:
        # Without a facet pathway no injection follows its blocks: all are diagnostic.
        return {kind: Stage(kind) for kind in (ALL, DIAGNOSTIC, THERAPEUTIC)}
    facet = facets[0]
    blocks = _codes(facet.block_procedures)
    return {
        kind: Stage(kind, blocks, facet.blocks_required, facet.block_min_relief_percent)
        for kind in (ALL, DIAGNOSTIC, THERAPEUTIC)
    }


def rule_set_spec(rule_set: RuleSet) -> RuleSetSpec:
    """The active rules of a set as pure rule objects: built once per process and rules
    version (a dozen queries), then one query to check the version is still current."""
    return versioned.kept(("rule_set", rule_set.pk), lambda: build_rule_set_spec(rule_set))


def build_rule_set_spec(rule_set: RuleSet) -> RuleSetSpec:
    """The active rules of a set as pure rule objects (a handful of queries)."""
    rules: list[Rule] = []
    facets = list(
        rule_set.facetpathwayrules.filter(active=True)
        .select_related("ablation_procedure")
        .prefetch_related("block_procedures")
        .order_by("pk")
    )
    stages = _stages(facets)
    for limit in rule_set.frequencylimits.filter(active=True).prefetch_related("procedure_types"):
        rules.append(
            FrequencyLimitRule(
                limit.name,
                _codes(limit.procedure_types),
                limit.scope,
                limit.max_sessions,
                limit.window_days,
                stages[limit.stage],
            )
        )
    for gap in rule_set.minimumintervals.filter(active=True).prefetch_related("procedure_types"):
        rules.append(
            MinimumIntervalRule(gap.name, _codes(gap.procedure_types), gap.scope, gap.min_days)
        )
    for need in rule_set.responserequirements.filter(active=True).prefetch_related(
        "procedure_types"
    ):
        rules.append(
            ResponseRule(
                need.name,
                _codes(need.procedure_types),
                need.scope,
                need.min_relief_percent,
                need.lookback_days,
                need.relief_lasting_days,
                stages[need.stage],
            )
        )
    for step in rule_set.diagnosticsteps.filter(active=True).prefetch_related(
        "procedure_types", "step_procedure_types"
    ):
        rules.append(
            DiagnosticStepRule(
                step.name,
                _codes(step.procedure_types),
                _codes(step.step_procedure_types),
                step.min_relief_percent,
            )
        )
    for cap in rule_set.levellimits.filter(active=True).prefetch_related(
        "procedure_types", "session_procedure_types"
    ):
        rules.append(
            LevelLimitRule(
                cap.name,
                _codes(cap.procedure_types),
                cap.max_levels,
                cap.bilateral_allowed,
                _codes(cap.session_procedure_types),
            )
        )
    for one in rule_set.oneregionpersessions.filter(active=True).prefetch_related(
        "procedure_types"
    ):
        rules.append(OneRegionPerSessionRule(one.name, _codes(one.procedure_types)))
    for facet in facets:
        rules.append(
            FacetPathway(
                facet.name,
                _codes(facet.block_procedures),
                facet.ablation_procedure.code,
                facet.blocks_required,
                facet.block_min_relief_percent,
                facet.repeat_min_relief_percent,
                facet.repeat_min_days,
                facet.repeat_relief_lasting_days,
            )
        )
    for scs in rule_set.scspathwayrules.filter(active=True).select_related(
        "trial_procedure", "implant_procedure"
    ):
        rules.append(
            ScsPathway(
                scs.name,
                scs.trial_procedure.code,
                scs.implant_procedure.code,
                scs.psych_valid_days,
                scs.trial_days,
                scs.trial_min_relief_percent,
            )
        )
    return RuleSetSpec(rule_set.code, rule_set.name, tuple(rules))


def history_sessions(patient_id: int) -> list[Session]:
    """Procedures entered as history (done elsewhere or before), as rule facts."""
    rows = ProcedureHistory.objects.filter(patient_id=patient_id).select_related("procedure_type")
    return [
        Session(
            procedure=row.procedure_type.code,
            region=row.region,
            side=row.side,
            on=row.performed_on,
            state=State.DONE,
            relief=row.relief_percent,
            # Relief is known when the row is entered, not on the day of the procedure: a
            # stimulator trial's relief counts only if recorded after the trial ended.
            relief_recorded_on=(
                timezone.localdate(row.entered_at) if row.relief_percent is not None else None
            ),
            counts_as_regions=tuple(row.procedure_type.counts_as_regions or ()),
            ref=f"history:{row.pk}",
            levels=tuple(row.levels or ()),
            relief_days=row.relief_duration_days,
        )
        for row in rows
    ]


def psych_facts(patient_id: int) -> list[PsychEval]:
    return [
        PsychEval(on=e.performed_on, cleared=e.cleared)
        for e in PsychEvaluation.objects.filter(patient_id=patient_id)
    ]


# --- Holds, checklists, authorizations ----------------------------------------------------------


def _regional_risks() -> dict[tuple[int, str], str]:
    return {
        (row.procedure_type_id, row.region): row.bleeding_risk
        for row in RegionalBleedingRisk.objects.all()
    }


def bleeding_risk(procedure_type: ProcedureType, region: str) -> str:
    """The ASRA class of a procedure at a region: a regional row wins over the default."""
    regional = versioned.kept("regional_risks", _regional_risks)
    return regional.get((procedure_type.pk, region), procedure_type.bleeding_risk)


def _hold_table() -> dict[tuple[int, str], HoldRule]:
    return {
        (row.drug_id, row.bleeding_risk): row for row in HoldRule.objects.select_related("drug")
    }


def current_drug_ids(patient_id: int) -> tuple[int, ...]:
    """The drugs the patient takes now (once per `versioned.one_reading()`)."""
    return versioned.per_reading(
        ("drugs", patient_id),
        lambda: tuple(
            PatientMedication.objects.filter(patient_id=patient_id, ended_at__isnull=True)
            .order_by("drug_id")
            .values_list("drug_id", flat=True)
            .distinct()
        ),
    )


def _current_drugs_rows(patient_id: int, risk: str) -> list[HoldRule]:
    """The hold-table rows at this risk of the drugs the patient takes now."""
    table = versioned.kept("hold_table", _hold_table)
    rows = (table.get((drug, risk)) for drug in current_drug_ids(patient_id))
    return sorted((row for row in rows if row is not None), key=lambda row: row.pk)


def hold_instructions(patient_id: int, risk: str) -> list[HoldInstruction]:
    """The holds the patient's current drugs need before a procedure of this risk."""
    rules = _current_drugs_rows(patient_id, risk)
    return [
        HoldInstruction(
            drug=rule.drug.code,
            drug_name=rule.drug.name,
            bleeding_risk=risk,
            hold_days=rule.hold_days,
            hold_hours=rule.hold_hours,
            inr_required=rule.inr_required,
            restart_hours=rule.restart_hours,
        )
        for rule in rules
        if rule.holds
    ]


def prescriber_decisions(patient_id: int, risk: str) -> list[HoldInstruction]:
    """The patient's current drugs whose row at this risk says "prescriber decides": no hold
    (so no dates), a required checklist item instead."""
    return [
        HoldInstruction(
            drug=rule.drug.code,
            drug_name=rule.drug.name,
            bleeding_risk=risk,
            hold_days=0,
            hold_hours=0,
            inr_required=False,
            restart_hours=rule.restart_hours,
            prescriber_decides=True,
        )
        for rule in _current_drugs_rows(patient_id, risk)
        if rule.prescriber_decides
    ]


def checklist_templates() -> list[ChecklistItemTemplate]:
    return list(
        ChecklistItemTemplate.objects.filter(active=True).prefetch_related("procedure_types")
    )


def prior_auth_needed(payer_id: int | None, procedure_type: ProcedureType) -> bool:
    """Whether the patient's payer lists the procedure as needing prior authorization; a
    patient without a payer (self-pay) needs none (DOMAIN.md)."""
    listed = versioned.kept(
        "payer_lists",
        lambda: frozenset(
            PayerPriorAuthorization.objects.values_list("payer_id", "procedure_type_id")
        ),
    )
    return payer_id is not None and (payer_id, procedure_type.pk) in listed


def covering_authorization(
    patient_id: int, procedure_type_id: int, day: dt.date
) -> PriorAuthorization | None:
    """An approved authorization valid on the procedure date, if the patient has one."""
    return (
        PriorAuthorization.objects.filter(
            patient_id=patient_id,
            procedure_type_id=procedure_type_id,
            status=AuthorizationStatus.APPROVED,
            valid_from__lte=day,
            valid_to__gte=day,
        )
        .order_by("-valid_to")
        .first()
    )


def template_specs() -> tuple[TemplateSpec, ...]:
    """The active checklist templates, as the case planner reads them (kept per process and
    rules version)."""
    return versioned.kept("templates", _template_specs)


def _template_specs() -> tuple[TemplateSpec, ...]:
    return tuple(
        TemplateSpec(
            pk=t.pk,
            code=t.code,
            label=t.label,
            required=t.required,
            order=t.order,
            condition=t.condition,
            procedures=frozenset(p.code for p in t.procedure_types.all()),
            value_kind=t.value_kind,
        )
        for t in checklist_templates()
    )


def booking_reminder_specs(
    payer_id: int | None, procedure_type_id: int
) -> tuple[ReminderSpec, ...]:
    """The active booking reminder rows for this procedure, by the payer's rule set."""
    rule_set = rule_set_for_payer(payer_id)
    rows = [
        r
        for r in active_reminder_rules()
        if r.trigger == ReminderRule.Trigger.BOOKED
        and r.procedure_type_id in (procedure_type_id, None)
    ]
    return tuple(
        ReminderSpec(r.kind, r.anchor, r.offset_minutes, r.note)
        for r in reminder_rules_for_set(rows, rule_set.pk)
    )


def drugs_by_code() -> dict[str, Drug]:
    """Every drug by code, kept per process and rules version."""
    return versioned.kept("drugs", lambda: {d.code: d for d in Drug.objects.all()})


def drug_ids(codes: Iterable[str]) -> dict[str, int]:
    every = drugs_by_code()
    return {code: every[code].pk for code in codes if code in every}


def drug_id(code: str) -> int:
    return Drug.objects.values_list("pk", flat=True).get(code=code)
