"""The demo's staff, providers, rooms, shared equipment and working hours, created once and
found again after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser

from clinic import services as clinic_services
from clinic.equipment import equipment_create
from clinic.models import Equipment, EquipmentKind, Provider, Room, Site
from clinic.roles import assign_role
from scheduling.models import WorkingHours

# role, username, password: printed by the command so a newcomer can sign in.
STAFF = [
    ("scheduler", "scheduler", "demo-scheduler-pw"),
    ("nurse", "nurse", "demo-nurse-pw"),
    ("manager", "manager", "demo-manager-pw"),
]
PROVIDERS = [("Dr. Maya Chen", "1245789635"), ("Dr. Samuel Ortiz", "1987654328")]
SITE = "Main campus"
ROOMS = [("Fluoro Suite 1", True), ("Fluoro Suite 2", True), ("Exam Room 1", False)]
# name, kind code (migration procedures 0028 seeds the kinds): an RF generator the two suites
# share, so two ablations never run at once, and a portable C-arm.
EQUIPMENT = [("RF generator 1", "rf_generator"), ("Portable C-arm 1", "c_arm")]
WORKDAY = (dt.time(8, 0), dt.time(17, 0))


@dataclass(frozen=True)
class DemoClinic:
    scheduler: AbstractBaseUser
    nurse: AbstractBaseUser
    manager: AbstractBaseUser
    providers: tuple[Provider, ...]
    rooms: tuple[Room, ...]
    equipment: tuple[Equipment, ...]


def _staff() -> dict[str, AbstractBaseUser]:
    User = get_user_model()
    users: dict[str, AbstractBaseUser] = {}
    for role, username, password in STAFF:
        user, created = User.objects.get_or_create(username=username)
        if created or not user.has_usable_password():
            # Hashing is slow by design (a good part of a second each): only when needed.
            user.set_password(password)
            user.save(update_fields=["password"])
        assign_role(user, role)
        users[role] = user
    return users


def _providers(manager: AbstractBaseUser) -> tuple[Provider, ...]:
    providers = []
    for name, npi in PROVIDERS:
        provider = Provider.objects.filter(npi=npi).first()
        if provider is None:
            provider = clinic_services.provider_create(acting_user=manager, name=name, npi=npi)
        # Working hours have no service of their own (managers keep them in the admin).
        for weekday in range(5):
            WorkingHours.objects.get_or_create(
                provider=provider,
                weekday=weekday,
                start_time=WORKDAY[0],
                defaults={"end_time": WORKDAY[1]},
            )
        providers.append(provider)
    return tuple(providers)


def _rooms(manager: AbstractBaseUser) -> tuple[Room, ...]:
    site, _ = Site.objects.get_or_create(name=SITE)
    rooms = []
    for name, fluoroscopy in ROOMS:
        room = Room.objects.filter(site=site, name=name).first()
        if room is None:
            room = clinic_services.room_create(
                acting_user=manager, site=site, name=name, fluoroscopy=fluoroscopy
            )
        rooms.append(room)
    return tuple(rooms)


def _equipment(manager: AbstractBaseUser) -> tuple[Equipment, ...]:
    site, _ = Site.objects.get_or_create(name=SITE)
    units = []
    for name, code in EQUIPMENT:
        unit = Equipment.objects.filter(site=site, name=name).select_related("kind").first()
        if unit is None:
            unit = equipment_create(
                acting_user=manager,
                site=site,
                name=name,
                kind=EquipmentKind.objects.get(code=code),
            )
        units.append(unit)
    return tuple(units)


def ensure_clinic() -> DemoClinic:
    staff = _staff()
    return DemoClinic(
        scheduler=staff["scheduler"],
        nurse=staff["nurse"],
        manager=staff["manager"],
        providers=_providers(staff["manager"]),
        rooms=_rooms(staff["manager"]),
        equipment=_equipment(staff["manager"]),
    )
