"""factory_boy factories for the suite. Reference data (catalog, drugs) comes from migrations."""

from __future__ import annotations

import datetime as dt

import factory

from clinic.models import Equipment, EquipmentKind, Patient, Payer, Provider, Room, Site
from clinic.validators import luhn_valid
from procedures.models import Drug, PatientMedication


def npi_for(sequence: int) -> str:
    """A valid NPI: nine digits, then the Luhn check digit over '80840' + the nine."""
    base = f"{100000000 + sequence:09d}"[-9:]
    for check in range(10):
        if luhn_valid("80840" + base + str(check)):
            return base + str(check)
    raise AssertionError("unreachable: some check digit always fits")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name",)

    name = "Main campus"


def equipment_kind(code: str = "rf_generator") -> EquipmentKind:
    """A kind of shared equipment; migration 0028 seeds these two, made again here for the
    tests whose transactions flush every table."""
    names = {"rf_generator": "RF generator", "c_arm": "Portable C-arm"}
    kind, _ = EquipmentKind.objects.get_or_create(code=code, defaults={"name": names[code]})
    return kind


def add_rf_generator(site: Site, name: str = "RF generator 1") -> Equipment:
    """An RF generator at the site (the one every room's site gets unless told otherwise)."""
    unit, _ = Equipment.objects.get_or_create(
        site=site, name=name, defaults={"kind": equipment_kind("rf_generator")}
    )
    return unit


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Suite {n}")
    fluoroscopy = True
    turnover_minutes = 15

    @factory.post_generation
    def rf_generator(room: Room, create: bool, extracted: object, **kwargs: object) -> None:
        """Radiofrequency ablation needs an RF generator at the room's site: each site a
        test builds rooms in has one, as the demo's. `RoomFactory(rf_generator=False)`
        adds none (a site that has none)."""
        if create and extracted is not False:
            add_rf_generator(room.site)


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Dr. Provider {n}")
    npi = factory.Sequence(npi_for)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    birth_date = dt.date(1960, 5, 17)
    phone = "+12125550100"
    email = factory.LazyAttribute(lambda p: f"{p.mrn.lower()}@example.org")
    preferred_channel = Patient.Channel.EMAIL


def payer(code: str) -> Payer:
    return Payer.objects.get(code=code)


def drug(code: str) -> Drug:
    return Drug.objects.get(code=code)


class PatientMedicationFactory(factory.django.DjangoModelFactory):
    """A drug the patient takes now; the drug is a seeded row (warfarin unless told)."""

    class Meta:
        model = PatientMedication

    patient = factory.SubFactory(PatientFactory)
    drug = factory.LazyFunction(lambda: Drug.objects.get(code="warfarin"))
