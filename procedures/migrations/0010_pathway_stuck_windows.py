"""How long a pathway may wait before the dashboard lists the patient as stuck: rules as data.

AddField writes the default into every existing rule (30 days to the next block or the
ablation, 60 days from a good trial to the implant), so each seeded rule set has them; a
manager edits them per rule set in the admin.
"""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0009_seed_checklist_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="facetpathwayrule",
            name="next_stage_within_days",
            field=models.PositiveSmallIntegerField(
                default=30,
                help_text="A patient with a positive block and no next block or ablation booked this many days later is listed on the dashboard's stuck patients.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(3650),
                ],
            ),
        ),
        migrations.AddField(
            model_name="scspathwayrule",
            name="implant_within_days",
            field=models.PositiveSmallIntegerField(
                default=60,
                help_text="A patient whose trial gave enough relief and who has no implant booked this many days after the trial is listed on the dashboard's stuck patients.",
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(3650),
                ],
            ),
        ),
    ]
