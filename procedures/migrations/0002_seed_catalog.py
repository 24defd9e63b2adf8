"""Seed the procedure catalog and the anticoagulant hold table from DOMAIN.md.

The rows are data: managers edit them in the admin. This migration only sets the defaults
and never overwrites a row that already exists.
"""

from django.db import migrations

# code, name, CPT, minutes, family, risk, diagnostic, fluoroscopy, contrast, steroid,
# sedation, prior authorization, notes
CATALOG = [
    (
        "MBB",
        "Medial branch block (diagnostic)",
        ["64490-64495"],
        30,
        "facet",
        "low",
        True,
        True,
        True,
        False,
        False,
        False,
        "Fluoroscopy; pain diary after.",
    ),
    (
        "FACET_IA",
        "Facet joint injection (intra-articular)",
        ["64490-64495"],
        30,
        "facet",
        "low",
        True,
        True,
        True,
        False,
        False,
        False,
        "",
    ),
    (
        "RFA",
        "Radiofrequency ablation of medial branches",
        ["64633-64636"],
        60,
        "facet",
        "low",
        False,
        True,
        False,
        False,
        False,
        False,
        "Fluoroscopy; RF generator.",
    ),
    (
        "ESI_IL",
        "Interlaminar epidural steroid injection",
        ["62321", "62323"],
        30,
        "epidural",
        "intermediate",
        False,
        True,
        True,
        True,
        False,
        False,
        "Steroid; fluoroscopy.",
    ),
    (
        "ESI_TF",
        "Transforaminal epidural steroid injection",
        ["64479-64484"],
        30,
        "epidural",
        "intermediate",
        False,
        True,
        True,
        True,
        False,
        False,
        "Steroid; fluoroscopy.",
    ),
    (
        "ESI_CAUDAL",
        "Caudal epidural steroid injection",
        ["62323"],
        30,
        "epidural",
        "intermediate",
        False,
        True,
        True,
        True,
        False,
        False,
        "Steroid; counts as lumbar/sacral.",
    ),
    (
        "SI_JOINT",
        "Sacroiliac joint injection",
        ["27096"],
        30,
        "si_joint",
        "low",
        False,
        True,
        True,
        True,
        False,
        False,
        "Steroid.",
    ),
    (
        "TPI",
        "Trigger point injections",
        ["20552", "20553"],
        15,
        "trigger_point",
        "low",
        False,
        False,
        False,
        False,
        False,
        False,
        "No fluoroscopy; an exam room will do.",
    ),
    (
        "SYMPATHETIC",
        "Lumbar sympathetic / stellate / ganglion impar block",
        ["64520", "64510"],
        45,
        "sympathetic",
        "intermediate",
        False,
        True,
        True,
        False,
        False,
        False,
        "Fluoroscopy.",
    ),
    (
        "SCS_TRIAL",
        "Spinal cord stimulator trial (percutaneous leads)",
        ["63650"],
        60,
        "scs",
        "high",
        False,
        True,
        False,
        False,
        False,
        True,
        "Trial lasts 5-7 days; prior authorization.",
    ),
    (
        "SCS_IMPLANT",
        "Permanent spinal cord stimulator implant",
        ["63650", "63685"],
        120,
        "scs",
        "high",
        False,
        True,
        False,
        False,
        True,
        True,
        "Prior authorization; sedation.",
    ),
    (
        "KYPHOPLASTY",
        "Vertebral augmentation",
        ["22513-22515"],
        60,
        "kyphoplasty",
        "high",
        False,
        True,
        False,
        False,
        True,
        False,
        "Sedation.",
    ),
    (
        "DISCOGRAPHY",
        "Provocative discography",
        ["62290", "62291"],
        60,
        "discography",
        "high",
        True,
        True,
        True,
        False,
        False,
        False,
        "Diagnostic.",
    ),
]

# Cervical facet procedures are intermediate risk; thoracic and lumbar stay low (ASRA 2018).
REGIONAL_RISKS = [
    ("MBB", "cervical", "intermediate"),
    ("FACET_IA", "cervical", "intermediate"),
    ("RFA", "cervical", "intermediate"),
]

DRUGS = [
    ("warfarin", "Warfarin", "vka"),
    ("acenocoumarol", "Acenocoumarol", "vka"),
    ("clopidogrel", "Clopidogrel", "p2y12"),
    ("prasugrel", "Prasugrel", "p2y12"),
    ("ticagrelor", "Ticagrelor", "p2y12"),
    ("apixaban", "Apixaban", "doac"),
    ("rivaroxaban", "Rivaroxaban", "doac"),
    ("edoxaban", "Edoxaban", "doac"),
    ("dabigatran", "Dabigatran", "doac"),
    ("aspirin", "Aspirin (primary prevention)", "antiplatelet"),
    ("cilostazol", "Cilostazol", "antiplatelet"),
    ("enoxaparin_prophylactic", "Enoxaparin, prophylactic dose", "heparin"),
    ("enoxaparin_therapeutic", "Enoxaparin, therapeutic dose", "heparin"),
    ("ibuprofen", "Ibuprofen", "nsaid"),
    ("diclofenac", "Diclofenac", "nsaid"),
    ("ketorolac", "Ketorolac", "nsaid"),
    ("naproxen", "Naproxen", "nsaid"),
    ("meloxicam", "Meloxicam", "nsaid"),
]


def days(high, intermediate, low, restart, inr=False):
    return {
        "high": (high, 0, inr and high > 0, restart),
        "intermediate": (intermediate, 0, inr and intermediate > 0, restart),
        "low": (low, 0, inr and low > 0, restart),
    }


def hours(each, restart, restart_low):
    return {
        "high": (0, each, False, restart),
        "intermediate": (0, each, False, restart),
        "low": (0, each, False, restart_low),
    }


# drug -> risk -> (hold days, hold hours, INR on the day, restart hours)
HOLDS = {
    "warfarin": days(5, 5, 0, 6, inr=True),
    "acenocoumarol": days(3, 3, 0, 24, inr=True),
    "clopidogrel": days(7, 7, 0, 24),
    "prasugrel": days(7, 7, 0, 24),
    "ticagrelor": days(5, 5, 0, 24),
    "apixaban": days(3, 3, 0, 24),
    "rivaroxaban": days(3, 3, 0, 24),
    "edoxaban": days(3, 3, 0, 24),
    "dabigatran": days(4, 4, 0, 24),
    "aspirin": days(6, 0, 0, 24),
    "cilostazol": days(2, 0, 0, 24),
    "enoxaparin_prophylactic": hours(12, 12, 4),
    "enoxaparin_therapeutic": hours(24, 24, 4),
    "ibuprofen": days(1, 0, 0, 24),
    "diclofenac": days(1, 0, 0, 24),
    "ketorolac": days(1, 0, 0, 24),
    "naproxen": days(4, 0, 0, 24),
    "meloxicam": days(4, 0, 0, 24),
}


def seed(apps, schema_editor):
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    RegionalBleedingRisk = apps.get_model("procedures", "RegionalBleedingRisk")
    Drug = apps.get_model("procedures", "Drug")
    HoldRule = apps.get_model("procedures", "HoldRule")

    for (
        code,
        name,
        cpt,
        minutes,
        family,
        risk,
        diagnostic,
        fluoro,
        contrast,
        steroid,
        sedation,
        prior_auth,
        notes,
    ) in CATALOG:
        ProcedureType.objects.get_or_create(
            code=code,
            defaults=dict(
                name=name,
                cpt_codes=cpt,
                duration_minutes=minutes,
                family=family,
                bleeding_risk=risk,
                diagnostic=diagnostic,
                requires_fluoroscopy=fluoro,
                uses_contrast=contrast,
                steroid=steroid,
                sedation=sedation,
                prior_auth_required=prior_auth,
                notes=notes,
            ),
        )
    for code, region, risk in REGIONAL_RISKS:
        RegionalBleedingRisk.objects.get_or_create(
            procedure_type=ProcedureType.objects.get(code=code),
            region=region,
            defaults={"bleeding_risk": risk},
        )
    for code, name, drug_class in DRUGS:
        drug, _ = Drug.objects.get_or_create(
            code=code, defaults={"name": name, "drug_class": drug_class}
        )
        for risk, (hold_days, hold_hours, inr, restart) in HOLDS[code].items():
            HoldRule.objects.get_or_create(
                drug=drug,
                bleeding_risk=risk,
                defaults=dict(
                    hold_days=hold_days,
                    hold_hours=hold_hours,
                    inr_required=inr,
                    restart_hours=restart,
                ),
            )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
