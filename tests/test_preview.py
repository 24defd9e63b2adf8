"""The booking preview: the holds and checklist a booking would create, without writing.

Each case is previewed, then booked through the real service; the preview must equal what
the booking wrote (holds with every date, checklist items in order with what was ticked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Patient
from procedures.models import AuthorizationStatus, PriorAuthorization
from scheduling import services
from scheduling.eligibility import NotEligible
from scheduling.models import Appointment, AppointmentHold, ChecklistItem, Reminder
from scheduling.preview import BookingPreview, preview_booking
from tests.factories import PatientFactory, PatientMedicationFactory, drug, payer
from tests.scheduling_helpers import SmallClinic, local

NOW = local(2026, 11, 2, 10, 0)  # a Monday
THURSDAY = local(2026, 11, 19, 9, 0)

pytestmark = pytest.mark.clock_at(NOW)


@dataclass
class Case:
    procedure: str
    drugs: tuple[str, ...] = ()
    region: str = "lumbar"
    start: dt.datetime = THURSDAY
    sedation: bool | None = None
    patient: dict[str, object] = field(default_factory=dict)


CASES = {
    "warfarin before an epidural: five days off and an INR": Case("ESI_IL", ("warfarin",)),
    "therapeutic enoxaparin: an hour hold with the exact last dose": Case(
        "ESI_IL", ("enoxaparin_therapeutic",)
    ),
    "two drugs held before a kyphoplasty under sedation": Case(
        "KYPHOPLASTY", ("clopidogrel", "warfarin")
    ),
    "kyphoplasty with sedation turned off for this case": Case("KYPHOPLASTY", sedation=False),
    "a block with sedation turned on": Case("MBB", sedation=True),
    "a diabetic who could be pregnant, a steroid under fluoroscopy": Case(
        "ESI_TF", patient={"diabetic": True, "could_be_pregnant": True}
    ),
    "warfarin and a cervical block: the neck raises the risk": Case(
        "MBB", ("warfarin",), region="cervical"
    ),
    "trigger points, nothing to hold": Case("TPI", ("warfarin",)),
    "a payer that wants authorization, none on file": Case("MBB", patient={"payer": "medicare"}),
}


def make_patient(case: Case) -> Patient:
    fields = dict(case.patient)
    if "payer" in fields:
        fields["payer"] = payer(str(fields["payer"]))
    patient = PatientFactory(**fields)
    for code in case.drugs:
        PatientMedicationFactory(patient=patient, drug=drug(code))
    return patient


def previewed(preview: BookingPreview) -> dict[str, object]:
    return {
        "end": preview.end,
        "room_busy_until": preview.span.room_busy_until,
        "sedation": preview.sedation,
        "holds": sorted(
            (
                h.instruction.drug,
                h.instruction.hold_days,
                h.instruction.hold_hours,
                h.dates.last_dose_on,
                h.dates.first_day_without,
                h.dates.last_dose_at,
                h.dates.resume_at,
                h.instruction.inr_required,
            )
            for h in preview.holds
        ),
        "checklist": [(i.code, i.label, i.required, i.done, i.value) for i in preview.checklist],
        "attention": bool(preview.missed_holds),
    }


def booked(appointment: Appointment) -> dict[str, object]:
    appointment.refresh_from_db()
    return {
        "end": appointment.end,
        "room_busy_until": appointment.room_busy_until,
        "sedation": appointment.sedation,
        "holds": sorted(
            (
                h.drug.code,
                h.hold_days,
                h.hold_hours,
                h.last_dose_on,
                h.first_day_without,
                h.last_dose_at,
                h.resume_at,
                h.inr_required,
            )
            for h in appointment.holds.select_related("drug")
        ),
        "checklist": [
            (i.code, i.label, i.required, i.done, i.value)
            for i in appointment.checklist_items.order_by("order", "code")
        ],
        "attention": bool(appointment.attention),
    }


def preview_then_book(clinic: SmallClinic, case: Case) -> tuple[BookingPreview, Appointment]:
    patient = make_patient(case)
    place = {
        "patient": patient,
        "procedure_type": clinic.procedure(case.procedure),
        "region": case.region,
        "side": "left",
        "provider": clinic.chen,
        "room": clinic.suite1,
        "start": case.start,
        "sedation": case.sedation,
    }
    preview = preview_booking(**place)
    return preview, services.appointment_book(**place, acting_user=None)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_preview_is_what_the_booking_then_creates(clinic, case):
    preview, appointment = preview_then_book(clinic, case)
    assert previewed(preview) == booked(appointment)


def test_the_warfarin_preview_gives_the_dates_the_patient_is_told(clinic):
    preview, _ = preview_then_book(
        clinic, CASES["warfarin before an epidural: five days off and an INR"]
    )
    [hold] = preview.holds
    assert hold.dates.last_dose_on == dt.date(2026, 11, 13)
    assert hold.dates.first_day_without == dt.date(2026, 11, 14)
    assert hold.dates.resume_at == local(2026, 11, 19, 15, 30)
    assert preview.inr_on_the_day
    assert {"hold_confirmed", "inr"} <= {i.code for i in preview.checklist}


def test_a_missed_hour_hold_is_foreseen_and_booking_refuses_it(clinic):
    # Twenty-four hours before this afternoon's case was yesterday afternoon: the start is
    # less than the hold from now, which booking refuses (DOMAIN.md, hours-long holds).
    case = Case("ESI_IL", ("enoxaparin_therapeutic",), start=local(2026, 11, 2, 16, 0))
    with pytest.raises(NotEligible) as refused:
        preview_then_book(clinic, case)
    assert [v["code"] for v in refused.value.violations] == ["anticoagulant_hold_too_short"]
    patient = Patient.objects.get()
    preview = preview_booking(
        patient=patient,
        procedure_type=clinic.procedure("ESI_IL"),
        region="lumbar",
        side="left",
        provider=clinic.chen,
        room=clinic.suite1,
        start=case.start,
    )
    assert [h.instruction.drug for h in preview.missed_holds] == ["enoxaparin_therapeutic"]
    assert not Appointment.objects.exists()


def test_an_authorization_on_file_shows_its_item_already_done(clinic):
    patient = PatientFactory(payer=payer("medicare"))
    PriorAuthorization.objects.create(
        patient=patient,
        procedure_type=clinic.procedure("MBB"),
        payer=patient.payer,
        status=AuthorizationStatus.APPROVED,
        number="MCR-5521",
        valid_from=dt.date(2026, 11, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    place = {
        "patient": patient,
        "procedure_type": clinic.procedure("MBB"),
        "region": "lumbar",
        "side": "left",
        "provider": clinic.chen,
        "room": clinic.suite1,
        "start": THURSDAY,
    }
    preview = preview_booking(**place)
    [item] = [i for i in preview.checklist if i.code == "prior_auth"]
    assert (item.done, item.value) == (True, "MCR-5521")
    appointment = services.appointment_book(**place, acting_user=None)
    assert previewed(preview) == booked(appointment)


def test_a_preview_only_reads(clinic):
    patient = make_patient(CASES["two drugs held before a kyphoplasty under sedation"])
    with CaptureQueriesContext(connection) as queries:
        preview = preview_booking(
            patient=patient,
            procedure_type=clinic.procedure("KYPHOPLASTY"),
            region="lumbar",
            side="left",
            provider=clinic.chen,
            room=clinic.suite1,
            start=THURSDAY,
        )
    assert len(preview.holds) == 2
    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert set(statements) == {"SELECT"}, statements
    assert not Appointment.objects.exists()
    assert not (AppointmentHold.objects.exists() or ChecklistItem.objects.exists())
    assert not Reminder.objects.exists()
