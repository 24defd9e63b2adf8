"""`manage.py seed_demo`: a small clinic to try the product with. Safe to run twice.

Two providers working Monday-Friday 08:00-17:00, two fluoroscopy suites and an exam room,
demo staff for each role, demo patients, and upcoming appointments booked through the
same services (and so the same rules) as any other booking.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinic.models import Patient, Payer, Provider, Room, Site
from clinic.roles import assign_role
from procedures.models import ProcedureType
from scheduling import services
from scheduling.models import WorkingHours
from scheduling.slots import SlotQuery, find_slots

STAFF = [
    ("scheduler", "scheduler", "demo-scheduler-pw"),
    ("nurse", "nurse", "demo-nurse-pw"),
    ("manager", "manager", "demo-manager-pw"),
]
PROVIDERS = [("Dr. Maya Chen", "1245789635"), ("Dr. Samuel Ortiz", "1987654328")]
ROOMS = [("Fluoro Suite 1", True), ("Fluoro Suite 2", True), ("Exam Room 1", False)]
PATIENTS = [
    # mrn, first, last, birth date, channel, payer, diabetic
    ("DEMO-0001", "Alice", "Moreno", dt.date(1958, 3, 14), "email", "medicare", False),
    ("DEMO-0002", "Ben", "Okafor", dt.date(1971, 11, 2), "sms", "aetna", True),
    ("DEMO-0003", "Carmen", "Silva", dt.date(1965, 7, 23), "email", "bcbs", False),
    ("DEMO-0004", "David", "Kowalski", dt.date(1949, 1, 30), "email", "medicare", True),
    ("DEMO-0005", "Erin", "Walsh", dt.date(1983, 9, 5), "sms", "tricare", False),
    ("DEMO-0006", "Farid", "Haddad", dt.date(1976, 4, 18), "email", None, False),
]
# Which demo patients get a case, for which procedure, region and side.
CASES = [
    ("DEMO-0001", "MBB", "lumbar", "right"),
    ("DEMO-0002", "ESI_IL", "lumbar", "bilateral"),
    ("DEMO-0003", "TPI", "cervical", "left"),
    ("DEMO-0004", "SI_JOINT", "sacral", "left"),
    ("DEMO-0005", "ESI_TF", "lumbar", "left"),
]


class Command(BaseCommand):
    help = "Load demo staff, providers, rooms, patients and appointments (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        staff = self._staff()
        providers = self._providers()
        self._rooms()
        patients = self._patients()
        booked = self._appointments(patients, providers, acting_user=staff["scheduler"])
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({booked} new appointments)."))
        self.stdout.write("Demo logins (username / password):")
        for role, username, password in STAFF:
            self.stdout.write(f"  {role:<9} {username} / {password}")

    def _staff(self) -> dict[str, Any]:
        User = get_user_model()
        users = {}
        for role, username, password in STAFF:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save(update_fields=["password"])
            assign_role(user, role)
            users[role] = user
        return users

    def _providers(self) -> list[Provider]:
        providers = []
        for name, npi in PROVIDERS:
            provider, _ = Provider.objects.get_or_create(npi=npi, defaults={"name": name})
            for weekday in range(5):
                WorkingHours.objects.get_or_create(
                    provider=provider,
                    weekday=weekday,
                    start_time=dt.time(8, 0),
                    defaults={"end_time": dt.time(17, 0)},
                )
            providers.append(provider)
        return providers

    def _rooms(self) -> None:
        site, _ = Site.objects.get_or_create(name="Main campus")
        for name, fluoroscopy in ROOMS:
            Room.objects.get_or_create(site=site, name=name, defaults={"fluoroscopy": fluoroscopy})

    def _patients(self) -> dict[str, Patient]:
        patients = {}
        for mrn, first, last, born, channel, payer_code, diabetic in PATIENTS:
            patient, _ = Patient.objects.get_or_create(
                mrn=mrn,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "birth_date": born,
                    "preferred_channel": channel,
                    "email": f"{first.lower()}.{last.lower()}@example.org",
                    "phone": f"+1212555{mrn[-4:]}",
                    "payer": Payer.objects.filter(code=payer_code).first() if payer_code else None,
                    "diabetic": diabetic,
                },
            )
            patients[mrn] = patient
        return patients

    def _appointments(
        self, patients: dict[str, Patient], providers: list[Provider], *, acting_user: Any
    ) -> int:
        booked = 0
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        after = dt.datetime.combine(tomorrow, dt.time(8, 0), tzinfo=timezone.get_current_timezone())
        for index, (mrn, code, region, side) in enumerate(CASES):
            patient = patients[mrn]
            if patient.appointments.exists():
                continue
            procedure = ProcedureType.objects.get(code=code)
            query = SlotQuery(
                procedure_type=procedure,
                after=after,
                limit=1,
                patient=patient,
                provider=providers[index % len(providers)],
            )
            slots = find_slots(query)
            if not slots:
                continue
            slot = slots[0]
            services.appointment_book(
                patient=patient,
                procedure_type=procedure,
                region=region,
                side=side,
                provider=slot.provider,
                room=slot.room,
                start=slot.start,
                acting_user=acting_user,
            )
            booked += 1
        return booked
