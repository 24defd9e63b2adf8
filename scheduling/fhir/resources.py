"""Our rows as FHIR R4B resources, built with the `fhir.resources` models (which validate them).

Pure: each builder reads only the row and what the caller has already loaded with it
(`select_related`), so a page of resources costs the page's query and nothing per row.
References are relative (`Patient/12`); the bundle adds absolute `fullUrl`s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils import timezone
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.appointment import AppointmentParticipant
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location as FhirLocation
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner as FhirPractitioner
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot

from clinic.models import Patient, Provider, Room
from procedures.models import ProcedureType
from scheduling.horizon import horizon_end
from scheduling.models import Appointment, CancelCause, Status
from scheduling.slots import Slot

# Code systems. The MRN and our own code lists have no public URI: URNs of the clinic's own.
MRN_SYSTEM = "urn:painclinic:mrn"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
PROCEDURE_SYSTEM = "urn:painclinic:procedure"
CANCEL_CAUSE_SYSTEM = "urn:painclinic:cancel-cause"
LOCATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/location-physical-type"
IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203"

# Our appointment statuses as FHIR's (http://hl7.org/fhir/appointmentstatus), as issue 18 says.
STATUS_MAP: dict[str, str] = {
    Status.SCHEDULED: "booked",
    Status.CHECKED_IN: "checked-in",
    Status.COMPLETED: "fulfilled",
    Status.CANCELLED: "cancelled",
    Status.NO_SHOW: "noshow",
}
STATUS_FROM_FHIR: dict[str, str] = {fhir: ours for ours, fhir in STATUS_MAP.items()}

# CPT codes are five characters; a catalog range "64490-64495" is listed code by code, since
# a range is not a code a client can look up. A range wider than this is a typing slip: kept.
_CPT_RANGE = re.compile(r"(\d{5})-(\d{5})")
_WIDEST_RANGE = 50


def local(moment: dt.datetime) -> dt.datetime:
    """A moment on the clinic's clock: the offset tells a reader the local time."""
    return timezone.localtime(moment)


def cpt_codes(catalog_codes: Iterable[str]) -> list[str]:
    """The catalog's CPT codes with ranges spelled out, in order, each once."""
    codes: list[str] = []
    for entry in catalog_codes:
        match = _CPT_RANGE.fullmatch(entry.strip())
        if match and 0 <= int(match[2]) - int(match[1]) <= _WIDEST_RANGE:
            first, last = int(match[1]), int(match[2])
            codes.extend(f"{number:05d}" for number in range(first, last + 1))
        else:
            codes.append(entry.strip())
    return list(dict.fromkeys(code for code in codes if code))


def service_type(procedure: ProcedureType) -> CodeableConcept:
    """The procedure as a CodeableConcept: our catalog code, then the CPT codes that bill it."""
    coding = [Coding(system=PROCEDURE_SYSTEM, code=procedure.code, display=procedure.name)]
    coding += [Coding(system=CPT_SYSTEM, code=code) for code in cpt_codes(procedure.cpt_codes)]
    return CodeableConcept(coding=coding, text=procedure.name)


def _meta(updated: dt.datetime | None) -> Meta | None:
    return Meta(lastUpdated=local(updated)) if updated else None


def patient(row: Patient) -> FhirPatient:
    telecom = []
    if row.phone:
        telecom.append(ContactPoint(system="phone", value=row.phone.as_e164))
    if row.email:
        telecom.append(ContactPoint(system="email", value=row.email))
    mrn_type = CodeableConcept(coding=[Coding(system=IDENTIFIER_TYPE_SYSTEM, code="MR")])
    return FhirPatient(
        id=str(row.pk),
        meta=_meta(row.updated_at),
        identifier=[Identifier(use="usual", type=mrn_type, system=MRN_SYSTEM, value=row.mrn)],
        name=[HumanName(use="official", family=row.last_name, given=[row.first_name])],
        birthDate=row.birth_date,
        telecom=telecom or None,
    )


def practitioner(row: Provider) -> FhirPractitioner:
    return FhirPractitioner(
        id=str(row.pk),
        meta=_meta(row.updated_at),
        identifier=[Identifier(system=NPI_SYSTEM, value=row.npi)],
        active=row.active,
        # One free-text name ("Dr. Chen"): we do not guess which part is the family name.
        name=[HumanName(use="official", text=row.name)],
    )


def location(row: Room) -> FhirLocation:
    """A room: `select_related("site")` for its address."""
    kind = "Fluoroscopy suite" if row.fluoroscopy else "Exam room"
    return FhirLocation(
        id=str(row.pk),
        status="active" if row.active else "inactive",
        name=row.name,
        description=f"{kind} at {row.site.name}",
        mode="instance",
        physicalType=CodeableConcept(
            coding=[Coding(system=LOCATION_TYPE_SYSTEM, code="ro", display="Room")]
        ),
        address=Address(text=row.site.address) if row.site.address else None,
    )


def schedule(row: Provider, *, now: dt.datetime | None = None) -> FhirSchedule:
    """A provider's one schedule (id: the provider's), bookable until the booking horizon."""
    start = now or timezone.now()
    return FhirSchedule(
        id=str(row.pk),
        active=row.active,
        actor=[Reference(reference=f"Practitioner/{row.pk}", display=row.name)],
        planningHorizon=Period(start=local(start), end=local(horizon_end(start))),
        comment=f"Free times: Slot?schedule=Schedule/{row.pk}.",
    )


def slot_id(slot: Slot, procedure: ProcedureType) -> str:
    """A slot's id: provider, room, procedure and start (epoch seconds), all a read needs."""
    return f"{slot.provider.pk}-{slot.room.pk}-{procedure.pk}-{int(slot.start.timestamp())}"


def slot(row: Slot, procedure: ProcedureType) -> FhirSlot:
    return FhirSlot(
        id=slot_id(row, procedure),
        schedule=Reference(reference=f"Schedule/{row.provider.pk}", display=row.provider.name),
        status="free",
        start=local(row.start),
        end=local(row.end),
        serviceType=[service_type(procedure)],
        comment=f"In {row.room.name}.",
    )


def _description(row: Appointment) -> str:
    where = f"{row.get_region_display()} {row.get_side_display()}".lower()
    levels = f" ({', '.join(row.levels)})" if row.levels else ""
    return f"{row.procedure_type.name}, {where}{levels}"


def _cancelation_reason(row: Appointment) -> CodeableConcept | None:
    if row.status != Status.CANCELLED:
        return None
    cause = CancelCause(row.cancel_cause or CancelCause.OTHER)
    return CodeableConcept(
        coding=[Coding(system=CANCEL_CAUSE_SYSTEM, code=cause.value, display=cause.label)],
        text=row.cancel_reason or cause.label,
    )


def appointment(row: Appointment) -> FhirAppointment:
    """A case: `select_related("patient", "procedure_type", "provider", "room")`."""
    actors = [
        Reference(reference=f"Patient/{row.patient_id}", display=row.patient.full_name),
        Reference(reference=f"Practitioner/{row.provider_id}", display=row.provider.name),
        Reference(reference=f"Location/{row.room_id}", display=row.room.name),
    ]
    return FhirAppointment(
        id=str(row.pk),
        meta=_meta(row.updated_at),
        status=STATUS_MAP[row.status],
        cancelationReason=_cancelation_reason(row),
        serviceType=[service_type(row.procedure_type)],
        description=_description(row),
        start=local(row.start),
        end=local(row.end),
        minutesDuration=int(row.duration.total_seconds() // 60),
        created=local(row.created_at),
        participant=[
            AppointmentParticipant(actor=actor, required="required", status="accepted")
            for actor in actors
        ],
    )
