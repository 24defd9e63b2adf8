"""The rules version also changes with the other reference tables every booking reads (the
hold table, checklist templates, reminder rows, payers' lists, rooms, providers and the
clinic's calendar): each process keeps them too (`procedures.versioned`)."""

from django.db import migrations

from procedures.rules_tables import REFERENCE_TABLES_0027, create_triggers, drop_triggers


def forward(apps, schema_editor):
    create_triggers(schema_editor, REFERENCE_TABLES_0027)


def backward(apps, schema_editor):
    drop_triggers(schema_editor, REFERENCE_TABLES_0027, function=False)


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0026_rules_version"),
        ("clinic", "0008_audit_backfill_and_append_only"),
        ("scheduling", "0015_reminder_planned_at"),
    ]

    operations = [migrations.RunPython(forward, backward)]
