"""Seed the default rule set of DOMAIN.md and two payer variants.

- default: the clinic's rules (Medicare LCD-based);
- evicore: an eviCore-style set (ESI 3 per 6 months and 4 per 12 months, 14 days apart,
  facet blocks positive at 80%) for payers that use eviCore; a separately editable copy;
- commercial: facet blocks positive at 50% (BCBS, Anthem, TRICARE); otherwise the default.

"6 months" is 183 days and "12 months" 365: windows are rolling day counts, not calendar.
Managers edit every number in the admin. Existing rule sets are never overwritten.
"""

from django.db import migrations

ESI = ["ESI_IL", "ESI_TF", "ESI_CAUDAL"]
FACET_DIAGNOSTIC = ["MBB", "FACET_IA"]

SETS = {
    "default": ("Clinic default", True, [], 80),
    "evicore": ("eviCore-style", False, ["aetna", "cigna"], 80),
    "commercial": ("Commercial (blocks positive at 50%)", False, ["bcbs", "tricare"], 50),
}


def seed(apps, schema_editor):
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    RuleSet = apps.get_model("procedures", "RuleSet")
    PayerRuleSet = apps.get_model("procedures", "PayerRuleSet")
    Payer = apps.get_model("clinic", "Payer")
    FrequencyLimit = apps.get_model("procedures", "FrequencyLimit")
    MinimumInterval = apps.get_model("procedures", "MinimumInterval")
    ResponseRequirement = apps.get_model("procedures", "ResponseRequirement")
    FacetPathwayRule = apps.get_model("procedures", "FacetPathwayRule")
    ScsPathwayRule = apps.get_model("procedures", "ScsPathwayRule")

    ProcedureType.objects.filter(code="ESI_CAUDAL").update(counts_as_regions=["lumbar", "sacral"])

    def procs(codes):
        return list(ProcedureType.objects.filter(code__in=codes))

    def proc(code):
        return ProcedureType.objects.get(code=code)

    for code, (name, is_default, payer_codes, block_relief) in SETS.items():
        if RuleSet.objects.filter(code=code).exists():
            continue
        rule_set = RuleSet.objects.create(code=code, name=name, is_default=is_default)
        for payer in Payer.objects.filter(code__in=payer_codes):
            PayerRuleSet.objects.get_or_create(payer=payer, defaults={"rule_set": rule_set})

        limits = [
            (
                "Diagnostic facet sessions: 4 per region per 12 months",
                FACET_DIAGNOSTIC,
                "region",
                4,
                365,
            ),
            ("Radiofrequency ablation: 2 per region per 12 months", ["RFA"], "region", 2, 365),
            ("Epidural steroid injections: 3 per region per 6 months", ESI, "region", 3, 183),
            ("Epidural steroid injections: 4 per region per 12 months", ESI, "region", 4, 365),
            ("Sacroiliac joint: 4 per side per 12 months", ["SI_JOINT"], "side", 4, 365),
            ("Trigger point injections: 3 per 12 months", ["TPI"], "patient", 3, 365),
        ]
        for label, codes, scope, count, days in limits:
            rule = FrequencyLimit.objects.create(
                rule_set=rule_set, name=label, scope=scope, max_sessions=count, window_days=days
            )
            rule.procedure_types.set(procs(codes))

        interval = MinimumInterval.objects.create(
            rule_set=rule_set,
            name="Epidural steroid injections at least 14 days apart per region",
            scope="region",
            min_days=14,
        )
        interval.procedure_types.set(procs(ESI))

        response = ResponseRequirement.objects.create(
            rule_set=rule_set,
            name="A repeat epidural needs at least 50% relief from the previous one",
            scope="region",
            min_relief_percent=50,
            lookback_days=365,
        )
        response.procedure_types.set(procs(ESI))

        facet = FacetPathwayRule.objects.create(
            rule_set=rule_set,
            name=f"Two diagnostic blocks with at least {block_relief}% relief before ablation",
            ablation_procedure=proc("RFA"),
            blocks_required=2,
            block_min_relief_percent=block_relief,
            repeat_min_relief_percent=50,
            repeat_min_days=183,
        )
        facet.block_procedures.set(procs(["MBB"]))

        ScsPathwayRule.objects.create(
            rule_set=rule_set,
            name="Psych clearance before a trial; a trial with at least 50% relief before implant",
            trial_procedure=proc("SCS_TRIAL"),
            implant_procedure=proc("SCS_IMPLANT"),
            psych_valid_days=365,
            trial_days=7,
            trial_min_relief_percent=50,
        )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0004_proceduretype_counts_as_regions_payerruleset_and_more")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
