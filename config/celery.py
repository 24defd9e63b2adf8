"""The Celery app, named `config`: `celery -A config worker` and `celery -A config beat`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic task, in one place. Beat only wakes the dispatcher: the reminders' due
# times live in the database, never in long ETAs the broker would have to keep.
app.conf.beat_schedule = {
    "dispatch-due-reminders": {
        "task": "scheduling.tasks.dispatch_due_reminders",
        "schedule": 60.0,
    },
    "sweep-waitlist-offers": {
        "task": "scheduling.tasks.sweep_waitlist_offers",
        "schedule": 60.0,
    },
    "purge-expired-api-tokens": {
        "task": "clinic.tasks.purge_expired_tokens",
        "schedule": 3600.0,
    },
}
