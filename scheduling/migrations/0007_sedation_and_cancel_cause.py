from django.db import migrations, models


def from_catalog(apps, schema_editor):
    """Cases booked before sedation was chosen per case had the catalog's; cancellations
    before causes were recorded are `other`."""
    Appointment = apps.get_model("scheduling", "Appointment")
    Appointment.objects.filter(procedure_type__sedation=True).update(sedation=True)
    Appointment.objects.filter(status="cancelled").update(cancel_cause="other")


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0006_holds_and_checklists"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="cancel_cause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("hold_not_met", "Blood thinner hold not met"),
                    ("checklist_incomplete", "Checklist incomplete"),
                    ("authorization_missing", "Prior authorization missing"),
                    ("patient_ill", "Patient ill"),
                    ("no_driver", "No driver"),
                    ("npo_not_followed", "Did not keep nil by mouth"),
                    ("imaging_missing", "Imaging missing"),
                    ("patient_request", "Patient asked to cancel"),
                    ("provider_unavailable", "Provider unavailable"),
                    ("room_or_equipment", "Room or equipment"),
                    ("other", "Other"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="sedation",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(from_catalog, migrations.RunPython.noop),
    ]
