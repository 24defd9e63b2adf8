"""factory_boy factories for the suite. Reference data (catalog, drugs) comes from migrations."""

from __future__ import annotations

import datetime as dt

import factory

from clinic.models import Patient, Payer, Provider, Room, Site
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


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Suite {n}")
    fluoroscopy = True
    turnover_minutes = 15


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
