"""Indexes the dashboard and the reminder outbox need at a million appointments (`make bench`).

Each serves a query that otherwise scans: a patient's cases of one procedure (pathways and
stuck patients), the case whose turnover ends as the next starts in a room (turnover
pairs), cancellations since a date (stuck after a cancelled case), reminders by due date
whatever their status (delivery), and the reminders a send batch has claimed (read back by
their claim token: without it, every batch of 20 scanned the whole reminder table).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    # Indexes only: the scheduling state as 0008 left it is all they need.
    dependencies = [("scheduling", "0008_checklist_versions_and_follow_ups")]

    operations = [
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                fields=["patient", "procedure_type", "start"], name="appointment_patient_procedure"
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                fields=["room", "room_busy_until"], name="appointment_room_busy_until"
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                condition=models.Q(("status", "cancelled")),
                fields=["cancelled_at"],
                name="appointment_cancelled_at",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(fields=["due_at"], name="reminder_due"),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("claim_token__isnull", False)),
                fields=["claim_token"],
                name="reminder_claimed",
            ),
        ),
    ]
