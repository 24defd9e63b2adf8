"""Seed common payers. Rule sets attach to payers; a patient without one gets the default."""

from django.db import migrations

PAYERS = [
    ("medicare", "Medicare"),
    ("medicaid", "Medicaid"),
    ("aetna", "Aetna"),
    ("cigna", "Cigna"),
    ("bcbs", "Blue Cross Blue Shield"),
    ("uhc", "UnitedHealthcare"),
    ("tricare", "TRICARE"),
    ("self_pay", "Self pay"),
]


def seed(apps, schema_editor):
    Payer = apps.get_model("clinic", "Payer")
    for code, name in PAYERS:
        Payer.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
