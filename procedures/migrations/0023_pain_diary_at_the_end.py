"""The pain diary reminder goes when the procedure ends (DOMAIN.md): the patient records pain
over the next six hours, while the anaesthetic works. It was seeded six hours after the end,
and so was pushed past the quiet hours to the next morning for an afternoon case.

Only rows still holding the seeded timing (six hours after the end) change, both ways.
"""

from django.db import migrations

SIX_HOURS = 6 * 60


def rows(apps, offset):
    ReminderRule = apps.get_model("procedures", "ReminderRule")
    return ReminderRule.objects.filter(
        kind="pain_diary", trigger="completed", anchor="end", offset_minutes=offset
    )


def forward(apps, schema_editor):
    rows(apps, SIX_HOURS).update(offset_minutes=0)


def backward(apps, schema_editor):
    rows(apps, 0).update(offset_minutes=SIX_HOURS)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0022_prior_auth_flag_help")]

    operations = [migrations.RunPython(forward, backward)]
