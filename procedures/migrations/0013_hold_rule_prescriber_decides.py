"""Hold-table rows may leave the hold to the prescriber (DOMAIN.md: aspirin), and the checklist
has a condition for the item that asks for that decision. Heparin's class label now covers
unfractionated heparin too. The rows themselves change in 0014.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0012_history_relief_duration"),
    ]

    operations = [
        migrations.AddField(
            model_name="holdrule",
            name="prescriber_decides",
            field=models.BooleanField(
                default=False,
                help_text="No automatic hold: the checklist asks for the prescriber's decision on this drug instead. Hold days and hours must then be zero.",
            ),
        ),
        migrations.AlterField(
            model_name="checklistitemtemplate",
            name="condition",
            field=models.CharField(
                choices=[
                    ("always", "Always"),
                    (
                        "prior_auth",
                        "The procedure needs prior authorization for the patient's payer",
                    ),
                    ("hold_plan", "A blood thinner is held"),
                    ("inr", "Warfarin or acenocoumarol is held"),
                    (
                        "prescriber_decides",
                        "The hold table leaves a drug the patient takes to the prescriber",
                    ),
                    ("diabetic_steroid", "Diabetic patient and a steroid procedure"),
                    ("pregnancy_fluoro", "Patient could be pregnant and fluoroscopy is used"),
                    ("contrast", "Fluoroscopy with contrast"),
                    ("sedation", "Sedation is planned"),
                    ("procedures", "Only the procedures listed"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="drug",
            name="drug_class",
            field=models.CharField(
                choices=[
                    ("vka", "Vitamin K antagonist"),
                    ("doac", "Direct oral anticoagulant"),
                    ("p2y12", "P2Y12 inhibitor"),
                    ("antiplatelet", "Other antiplatelet"),
                    ("heparin", "Heparin (unfractionated or low-molecular-weight)"),
                    ("nsaid", "NSAID"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="holdrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("prescriber_decides", False),
                    models.Q(("hold_days", 0), ("hold_hours", 0), ("inr_required", False)),
                    _connector="OR",
                ),
                name="prescriber_decides_holds_nothing",
                violation_error_message="When the prescriber decides, hold days and hours are zero and no INR is planned.",
            ),
        ),
    ]
