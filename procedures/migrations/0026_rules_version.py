"""The rules version: one row, and triggers that give it a new random token whenever the
tables a rule set is built from change (see `RulesVersion`).

The tables are named by `procedures.rules_tables`, which a test compares with the models,
so a rule table added later gets its triggers from the migration that adds it.
"""

from django.db import migrations, models

from procedures.rules_tables import create_triggers, drop_triggers


def forward(apps, schema_editor):
    apps.get_model("procedures", "RulesVersion").objects.create(pk=1, token=1)
    create_triggers(schema_editor)


def backward(apps, schema_editor):
    drop_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0025_seed_contrast_premedication")]

    operations = [
        migrations.CreateModel(
            name="RulesVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "rules version"},
        ),
        migrations.RunPython(forward, backward),
    ]
