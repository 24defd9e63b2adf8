"""`manage.py seed_demo`: a demo clinic to click through, whatever the day. Safe to run twice.

Two providers working Monday-Friday 08:00-17:00, two fluoroscopy suites and an exam room
sharing an RF generator and a portable C-arm, a login for each role, and about a hundred
patients: one at each stage of each pathway (`scheduling/demo/stories.py`) and a clinic's
worth of regulars, with fourteen weeks of past cases, today's and the next clinic days'
schedule, and their checklists and reminders.
What happens from now on goes through the services; `scheduling/demo/past.py` says how the
past is written.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from scheduling.demo.build import build_demo
from scheduling.demo.clinic import STAFF


class Command(BaseCommand):
    help = "Build the demo clinic: staff, rooms, patients, past cases and the coming days."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # Its logins' passwords are printed here and in the README: never on a server.
            raise CommandError(
                "seed_demo runs only with DEBUG on (a development machine): it creates logins "
                "whose passwords are published. Nothing was written."
            )
        started = time.monotonic()
        with transaction.atomic():
            summary = build_demo()
        seconds = time.monotonic() - started
        if summary.patients_added:
            days = ", ".join(f"{day:%a %d %b}: {count}" for day, count in summary.days.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data ready in {seconds:.1f} s: {summary.patients_added} patients, "
                    f"{summary.past_cases} past cases, {summary.booked_cases} booked ahead "
                    f"({days})."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already in place; nothing added."))
        for refusal in summary.refused:
            self.stdout.write(self.style.WARNING(f"Not booked: {refusal}"))
        self.stdout.write("Demo logins (username / password):")
        for role, username, password in STAFF:
            self.stdout.write(f"  {role:<9} {username} / {password}")
