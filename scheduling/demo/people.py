"""Who the demo patients are, and registering them (and their facts) through the services.

MRNs run DEMO-0001 upwards; phone numbers are typed in E.164 from the 555-01xx range kept
for fiction, emails are at example.org. A patient already registered (by an earlier run) is
left exactly as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser

from clinic import services as clinic_services
from clinic.models import Patient, Payer
from procedures import services as procedure_services
from procedures.models import AuthorizationStatus, Drug, ProcedureType
from scheduling import services


@dataclass(frozen=True)
class HistoryEntry:
    """A procedure done elsewhere (or before the clinic used this service)."""

    procedure: str
    region: str
    side: str
    on: dt.date
    relief: int | None
    notes: str = ""
    relief_days: int | None = None  # how many days the relief lasted, when the letter says


@dataclass(frozen=True)
class Authorization:
    procedure: str
    status: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    number: str = ""


@dataclass(frozen=True)
class Profile:
    mrn: str
    first: str
    last: str
    born: dt.date
    payer: str | None  # a payer code; None: self-pay, no payer on file
    channel: str = Patient.Channel.EMAIL
    diabetic: bool = False
    could_be_pregnant: bool = False
    contrast_allergy: bool = False
    drugs: tuple[str, ...] = ()
    history: tuple[HistoryEntry, ...] = ()
    psych: tuple[tuple[dt.date, bool], ...] = ()
    authorizations: tuple[Authorization, ...] = ()
    # Drugs the patient mentions only after their case was booked.
    drugs_after_booking: tuple[str, ...] = ()
    # Mail to this patient bounces: the reminders sent so far have failed.
    bounces: bool = False


def mrn(number: int) -> str:
    return f"DEMO-{number:04d}"


def phone_for(number: int) -> str:
    """A New York number in 555-0100..0199, the range set aside for fiction."""
    area = ("212", "646", "718", "917")[(number // 100) % 4]
    return f"+1{area}5550{100 + number % 100:03d}"


def email_for(first: str, last: str) -> str:
    local = ".".join(re.sub(r"[^a-z]", "", part.lower()) for part in (first, last))
    return f"{local}@example.org"


class Registrar:
    """Registers profiles through the services, with the acting staff of each change."""

    def __init__(self, *, scheduler: AbstractBaseUser, nurse: AbstractBaseUser) -> None:
        self.scheduler, self.nurse = scheduler, nurse
        self._payers = {p.code: p for p in Payer.objects.all()}
        self._procedures = {p.code: p for p in ProcedureType.objects.all()}
        self._drugs = {d.code: d for d in Drug.objects.all()}

    def register(self, profile: Profile) -> Patient:
        number = int(profile.mrn.rsplit("-", 1)[1])
        patient = clinic_services.patient_create(
            acting_user=self.scheduler,
            mrn=profile.mrn,
            first_name=profile.first,
            last_name=profile.last,
            birth_date=profile.born,
            phone=phone_for(number),
            email=email_for(profile.first, profile.last),
            preferred_channel=profile.channel,
            diabetic=profile.diabetic,
            could_be_pregnant=profile.could_be_pregnant,
            contrast_allergy=profile.contrast_allergy,
            payer=self._payers[profile.payer] if profile.payer else None,
        )
        for code in profile.drugs:
            self.add_drug(patient, code)
        for entry in profile.history:
            procedure_services.history_add(
                patient=patient,
                procedure_type=self._procedures[entry.procedure],
                region=entry.region,
                side=entry.side,
                performed_on=entry.on,
                relief_percent=entry.relief,
                relief_duration_days=entry.relief_days,
                notes=entry.notes,
                acting_user=self.nurse,
            )
        for performed_on, cleared in profile.psych:
            procedure_services.psych_evaluation_add(
                patient=patient,
                performed_on=performed_on,
                cleared=cleared,
                notes="Pre-stimulator psychological evaluation.",
                acting_user=self.nurse,
            )
        for index, authorization in enumerate(profile.authorizations, start=1):
            self.authorize(patient, authorization, index)
        return patient

    def add_drug(self, patient: Patient, code: str) -> None:
        services.medication_add(patient=patient, drug=self._drugs[code], acting_user=self.nurse)

    def authorize(self, patient: Patient, authorization: Authorization, index: int) -> None:
        """A request to the patient's payer (self-pay patients have none to ask), or its
        approval with a number such as "MED-000102"."""
        assert patient.payer is not None, f"{patient.mrn}: an authorization needs a payer"
        number = authorization.number
        if not number and authorization.status == AuthorizationStatus.APPROVED:
            number = f"{patient.payer.code[:3].upper()}-{patient.mrn[-4:]}{index:02d}"
        services.authorization_save(
            patient=patient,
            acting_user=self.scheduler,
            procedure_type=self._procedures[authorization.procedure],
            payer=patient.payer,
            status=authorization.status,
            number=number,
            valid_from=authorization.valid_from,
            valid_to=authorization.valid_to,
        )
