"""Seed the reminder and follow-up timings of DOMAIN.md (clinic defaults)."""

from django.db import migrations

HOUR, DAY = 60, 24 * 60

# procedure code (None: every procedure), kind, trigger, anchor, offset minutes, note
RULES = [
    (None, "appointment", "booked", "start", -48 * HOUR, ""),
    (
        "MBB",
        "pain_diary",
        "completed",
        "end",
        6 * HOUR,
        "Please fill in your pain diary for the hours after the block.",
    ),
    ("ESI_IL", "follow_up", "completed", "start", 14 * DAY, ""),
    ("ESI_TF", "follow_up", "completed", "start", 14 * DAY, ""),
    ("ESI_CAUDAL", "follow_up", "completed", "start", 14 * DAY, ""),
    ("RFA", "follow_up", "completed", "start", 28 * DAY, ""),
    (
        "SCS_TRIAL",
        "trial_end",
        "completed",
        "start",
        7 * DAY,
        "Your stimulator trial ends: lead removal and evaluation.",
    ),
    ("SCS_IMPLANT", "follow_up", "completed", "start", 10 * DAY, "Wound check."),
    ("KYPHOPLASTY", "follow_up", "completed", "start", 14 * DAY, ""),
]


def seed(apps, schema_editor):
    ReminderRule = apps.get_model("procedures", "ReminderRule")
    ProcedureType = apps.get_model("procedures", "ProcedureType")
    if ReminderRule.objects.exists():
        return
    for code, kind, trigger, anchor, offset, note in RULES:
        ReminderRule.objects.create(
            procedure_type=ProcedureType.objects.get(code=code) if code else None,
            kind=kind,
            trigger=trigger,
            anchor=anchor,
            offset_minutes=offset,
            note=note,
        )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0006_reminder_rules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
