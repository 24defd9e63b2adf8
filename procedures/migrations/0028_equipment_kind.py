"""Shared equipment a procedure needs: the kinds DOMAIN.md's clinics share between rooms,
radiofrequency ablation needing an RF generator, and the rules-version triggers of the two
new reference tables (`procedures.rules_tables.EQUIPMENT_TABLES`)."""

import django.db.models.deletion
from django.db import migrations, models

from procedures.rules_tables import EQUIPMENT_TABLES, create_triggers, drop_triggers

KINDS = (("rf_generator", "RF generator"), ("c_arm", "Portable C-arm"))
NEEDS = {"RFA": "rf_generator"}


def seed(apps, schema_editor):
    kinds = apps.get_model("clinic", "EquipmentKind")
    procedures = apps.get_model("procedures", "ProcedureType")
    for code, name in KINDS:
        kinds.objects.update_or_create(code=code, defaults={"name": name})
    for procedure, kind in NEEDS.items():
        procedures.objects.filter(code=procedure).update(
            equipment_kind=kinds.objects.get(code=kind)
        )


def unseed(apps, schema_editor):
    apps.get_model("procedures", "ProcedureType").objects.update(equipment_kind=None)


def triggers(apps, schema_editor):
    create_triggers(schema_editor, EQUIPMENT_TABLES)


def no_triggers(apps, schema_editor):
    drop_triggers(schema_editor, EQUIPMENT_TABLES, function=False)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_equipment"),
        ("procedures", "0027_reference_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="proceduretype",
            name="equipment_kind",
            field=models.ForeignKey(
                blank=True,
                help_text="Shared equipment a case needs for its whole length (a unit is booked with it). Empty: none beyond the room.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="clinic.equipmentkind",
            ),
        ),
        migrations.RunPython(seed, unseed),
        migrations.RunPython(triggers, no_triggers),
    ]
