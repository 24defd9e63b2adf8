"""How long relief lasted after a procedure entered as history (DOMAIN.md, "relief that lasts").

Existing rows get null, "duration unknown": the rules treat that as not yet proved, until a
nurse adds the duration by editing the entry.
"""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0011_clinic_date_ranges"),
    ]

    operations = [
        migrations.AddField(
            model_name="procedurehistory",
            name="relief_duration_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="How long relief of at least 50% lasted, in days; empty if unknown.",
                null=True,
                validators=[django.core.validators.MaxValueValidator(3650)],
            ),
        ),
    ]
