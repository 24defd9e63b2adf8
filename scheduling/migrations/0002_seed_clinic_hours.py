"""Default clinic opening hours (Monday to Friday, 07:00-19:00 local); managers edit them."""

import datetime as dt

from django.db import migrations


def seed(apps, schema_editor):
    ClinicHours = apps.get_model("scheduling", "ClinicHours")
    if ClinicHours.objects.exists():
        return
    for weekday in range(5):
        ClinicHours.objects.create(
            weekday=weekday, start_time=dt.time(7, 0), end_time=dt.time(19, 0)
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
