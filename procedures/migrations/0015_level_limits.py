"""Levels a session and one region a session, as rule rows in every rule set."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0014_catalog_and_hold_table_corrections"),
    ]

    operations = [
        migrations.CreateModel(
            name="LevelLimit",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("active", models.BooleanField(default=True)),
                (
                    "max_levels",
                    models.PositiveSmallIntegerField(
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(10),
                        ]
                    ),
                ),
                (
                    "bilateral_allowed",
                    models.BooleanField(
                        default=True,
                        help_text="Unticked: a bilateral case is refused (one side at a time).",
                    ),
                ),
                (
                    "procedure_types",
                    models.ManyToManyField(related_name="+", to="procedures.proceduretype"),
                ),
                (
                    "rule_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="%(class)ss",
                        to="procedures.ruleset",
                    ),
                ),
                (
                    "session_procedure_types",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Procedures whose same-day cases share the session and add their levels (every epidural for an epidural); empty: the procedures above.",
                        related_name="+",
                        to="procedures.proceduretype",
                    ),
                ),
            ],
            options={
                "ordering": ["rule_set", "name"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="OneRegionPerSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("active", models.BooleanField(default=True)),
                (
                    "procedure_types",
                    models.ManyToManyField(related_name="+", to="procedures.proceduretype"),
                ),
                (
                    "rule_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="%(class)ss",
                        to="procedures.ruleset",
                    ),
                ),
            ],
            options={
                "ordering": ["rule_set", "name"],
                "abstract": False,
            },
        ),
    ]
