"""Seed the pre-procedure checklist of DOMAIN.md, and Medicare's prior-authorization list.

Medicare hospital outpatient rules (since 2021) need prior authorization for facet blocks
and ablations as well as stimulators; stimulators need it for every payer (catalog flag).
"""

from decimal import Decimal

from django.db import migrations

# code, label, required, condition, procedures, value kind, value label, max value
TEMPLATES = [
    (
        "identity",
        "Identity, procedure, region and side confirmed",
        True,
        "always",
        [],
        "none",
        "",
        None,
    ),
    ("consent", "Consent signed", True, "always", [], "none", "", None),
    ("no_infection", "No fever, infection or antibiotics", True, "always", [], "none", "", None),
    (
        "prior_auth",
        "Prior authorization approved, number recorded",
        True,
        "prior_auth",
        [],
        "text",
        "Authorization number",
        None,
    ),
    (
        "hold_confirmed",
        "Anticoagulant hold confirmed, prescriber approved",
        True,
        "hold_plan",
        [],
        "none",
        "",
        None,
    ),
    (
        "inr",
        "INR recorded on the day, within limit",
        True,
        "inr",
        [],
        "number",
        "INR",
        Decimal("1.40"),
    ),
    ("glucose", "Blood glucose recorded", True, "diabetic_steroid", [], "number", "mg/dL", None),
    ("pregnancy", "Pregnancy status confirmed", True, "pregnancy_fluoro", [], "none", "", None),
    ("contrast_allergy", "Contrast allergy reviewed", True, "contrast", [], "none", "", None),
    ("npo", "NPO confirmed", True, "sedation", [], "none", "", None),
    ("driver", "Driver confirmed", True, "sedation", [], "none", "", None),
    (
        "imaging",
        "Imaging reviewed",
        True,
        "procedures",
        ["ESI_IL", "ESI_TF", "ESI_CAUDAL", "KYPHOPLASTY"],
        "none",
        "",
        None,
    ),
    (
        "psych_on_file",
        "Psychological evaluation on file",
        True,
        "procedures",
        ["SCS_TRIAL"],
        "none",
        "",
        None,
    ),
    ("pain_diary", "Pain diary explained", False, "procedures", ["MBB"], "none", "", None),
]


def seed(apps, schema_editor):
    Template = apps.get_model("procedures", "ChecklistItemTemplate")
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    Payer = apps.get_model("clinic", "Payer")
    PayerPriorAuthorization = apps.get_model("procedures", "PayerPriorAuthorization")
    for order, (code, label, required, condition, procs, kind, value_label, limit) in enumerate(
        TEMPLATES, start=1
    ):
        if Template.objects.filter(code=code).exists():
            continue
        template = Template.objects.create(
            code=code,
            label=label,
            required=required,
            condition=condition,
            value_kind=kind,
            value_label=value_label,
            max_value=limit,
            order=order * 10,
        )
        template.procedure_types.set(ProcedureType.objects.filter(code__in=procs))
    medicare = Payer.objects.filter(code="medicare").first()
    if medicare:
        for procedure in ProcedureType.objects.filter(code__in=["MBB", "RFA"]):
            PayerPriorAuthorization.objects.get_or_create(payer=medicare, procedure_type=procedure)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0008_checklists_and_authorizations")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
