"""The relief follow-ups DOMAIN.md adds: on the day a repeat needs relief proved.

ESI (14 days) and RFA's four-week check were seeded already; this adds trigger points at six
weeks, facet joint and sacroiliac injections at three months, and RFA at six months. A row a
manager already has with the same procedure, kind and timing is left alone; going back
removes only the rows this added that still hold their seeded values.
"""

from django.db import migrations

DAY = 24 * 60
ADDED = [("TPI", 42 * DAY), ("FACET_IA", 90 * DAY), ("SI_JOINT", 90 * DAY), ("RFA", 183 * DAY)]


def rows(apps):
    ReminderRule = apps.get_model("procedures", "ReminderRule")
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    for code, offset in ADDED:
        procedure = ProcedureType.objects.filter(code=code).first()
        if procedure is not None:
            yield ReminderRule, procedure, offset


def seed(apps, schema_editor):
    for ReminderRule, procedure, offset in rows(apps):
        ReminderRule.objects.get_or_create(
            procedure_type=procedure,
            kind="follow_up",
            trigger="completed",
            anchor="start",
            offset_minutes=offset,
            defaults={"note": "", "active": True},
        )


def unseed(apps, schema_editor):
    for ReminderRule, procedure, offset in rows(apps):
        ReminderRule.objects.filter(
            procedure_type=procedure,
            kind="follow_up",
            trigger="completed",
            anchor="start",
            offset_minutes=offset,
            note="",
            active=True,
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0017_seed_level_limits")]

    operations = [migrations.RunPython(seed, unseed)]
