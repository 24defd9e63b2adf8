"""Seed levels a session and one region a session into every rule set (DOMAIN.md).

A migration of its own: on PostgreSQL a table cannot be dropped in the transaction that
wrote its rows (pending trigger events), so the reverse of a schema-and-data migration fails.
"""

from django.db import migrations

# Levels a session (DOMAIN.md, "Staged pathways and limits"): facet procedures and RFA 2,
# ESI_TF 2, ESI_IL and ESI_CAUDAL 1 and never bilateral; one region group an ESI session.
ESI = ["ESI_IL", "ESI_TF", "ESI_CAUDAL"]
LEVEL_LIMITS = [
    ("Facet blocks and injections: at most 2 levels a session", ["MBB", "FACET_IA"], 2, True, []),
    ("Radiofrequency ablation: at most 2 levels a session", ["RFA"], 2, True, []),
    ("Transforaminal epidural: at most 2 levels a session", ["ESI_TF"], 2, True, ESI),
    ("Interlaminar epidural: one level, one side", ["ESI_IL"], 1, False, ESI),
    ("Caudal epidural: one level, one side", ["ESI_CAUDAL"], 1, False, ESI),
]
ONE_REGION = ("Epidural steroid injections: one region a session", ESI)


def seed(apps, schema_editor):
    RuleSet = apps.get_model("procedures", "RuleSet")
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    LevelLimit = apps.get_model("procedures", "LevelLimit")
    OneRegionPerSession = apps.get_model("procedures", "OneRegionPerSession")
    for rule_set in RuleSet.objects.all():
        for name, codes, most, bilateral, session in LEVEL_LIMITS:
            if LevelLimit.objects.filter(rule_set=rule_set, name=name).exists():
                continue
            limit = LevelLimit.objects.create(
                rule_set=rule_set, name=name, max_levels=most, bilateral_allowed=bilateral
            )
            limit.procedure_types.set(ProcedureType.objects.filter(code__in=codes))
            limit.session_procedure_types.set(ProcedureType.objects.filter(code__in=session))
        name, codes = ONE_REGION
        if not OneRegionPerSession.objects.filter(rule_set=rule_set, name=name).exists():
            one = OneRegionPerSession.objects.create(rule_set=rule_set, name=name)
            one.procedure_types.set(ProcedureType.objects.filter(code__in=codes))


def unseed(apps, schema_editor):
    names = [name for name, *_ in LEVEL_LIMITS]
    apps.get_model("procedures", "LevelLimit").objects.filter(name__in=names).delete()
    apps.get_model("procedures", "OneRegionPerSession").objects.filter(name=ONE_REGION[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0016_levels")]

    operations = [migrations.RunPython(seed, unseed)]
