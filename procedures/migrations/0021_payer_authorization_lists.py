"""Prior authorization by payer (DOMAIN.md): the stimulator trial and implant are on every
payer's authorization list except self-pay, and the list alone decides the checklist item.

The catalog's "prior authorization required" flag used to add the item for every patient,
self-pay included; it now only says which procedures a new payer's list starts with. Rows
this adds are plain list rows a manager may remove; going back leaves them, since the
catalog flag put the item on those cases before this anyway.
"""

from django.db import migrations

SELF_PAY = "self_pay"


def seed(apps, schema_editor):
    Payer = apps.get_model("clinic", "Payer")
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    PayerPriorAuthorization = apps.get_model("procedures", "PayerPriorAuthorization")
    flagged = list(ProcedureType.objects.filter(prior_auth_required=True))
    for payer in Payer.objects.exclude(code=SELF_PAY):
        for procedure in flagged:
            PayerPriorAuthorization.objects.get_or_create(payer=payer, procedure_type=procedure)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0020_seed_relief_that_lasts"), ("clinic", "0002_seed_payers")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
