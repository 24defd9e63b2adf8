"""For any sequence of patient and medication changes after booking, an upcoming case's plan
is the plan of the same case booked now (issue 15).

Each example books two cases for one patient through the booking service, applies a drawn
sequence of changes through the services the API and the admin call (drugs added and
stopped, clinical flags, payer, preferred channel), then compares each case's checklist,
holds and live reminders with those of the same case cancelled and booked again now. Every
example runs in a savepoint that is rolled back, so examples never see each other's rows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic import services as clinic_services
from clinic.models import Patient, Payer
from procedures.models import Drug, PatientMedication
from scheduling import services
from scheduling.models import Appointment
from tests.case_plan_helpers import assert_as_booked_now
from tests.factories import PatientFactory
from tests.scheduling_helpers import SmallClinic, book_case, local

NOW = local(2026, 11, 2, 10, 0)  # a Monday
# Far enough that every day hold of the table can still be met from NOW.
CASES = (("ESI_IL", local(2026, 11, 19, 9, 0)), ("MBB", local(2026, 11, 20, 14, 0)))
DRUGS = (
    "warfarin",
    "clopidogrel",
    "apixaban",
    "aspirin",
    "aspirin_secondary",
    "enoxaparin_therapeutic",
    "heparin_sc",
    "naproxen",
    "oxaprozin",
)
PAYERS = ("aetna", "medicare", "self_pay", None)

pytestmark = pytest.mark.clock_at(NOW)

change = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(DRUGS)),
    st.tuples(st.just("stop"), st.sampled_from(DRUGS)),
    st.tuples(
        st.just("flag"),
        st.tuples(
            st.sampled_from(("diabetic", "could_be_pregnant", "contrast_allergy")), st.booleans()
        ),
    ),
    st.tuples(st.just("payer"), st.sampled_from(PAYERS)),
    st.tuples(st.just("channel"), st.sampled_from(("email", "sms"))),
)


def apply(patient: Patient, step: tuple[str, object]) -> None:
    what, value = step
    if what == "add":
        taking = PatientMedication.objects.filter(
            patient=patient, drug__code=value, ended_at__isnull=True
        )
        if not taking.exists():
            services.medication_add(
                patient=patient, drug=Drug.objects.get(code=value), acting_user=None
            )
    elif what == "stop":
        for medication in PatientMedication.objects.filter(
            patient=patient, drug__code=value, ended_at__isnull=True
        ):
            services.medication_end(medication=medication, acting_user=None)
    elif what == "flag":
        name, on = value  # type: ignore[misc]
        clinic_services.patient_update(patient=patient, acting_user=None, **{name: on})
    elif what == "payer":
        payer_id = None if value is None else _payer_id(str(value))
        clinic_services.patient_update(patient=patient, acting_user=None, payer_id=payer_id)
    else:
        clinic_services.patient_update(patient=patient, acting_user=None, preferred_channel=value)


def book(clinic: SmallClinic, patient: Patient, code: str, start: dt.datetime) -> Appointment:
    return book_case(clinic, patient=patient, code=code, start=start)


def _payer_id(code: str) -> int:
    return Payer.objects.get(code=code).pk


@pytest.mark.django_db
@settings(
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(change, min_size=1, max_size=6))
def test_any_sequence_of_changes_leaves_each_case_as_if_booked_now(clinic, steps):
    with transaction.atomic():
        patient = PatientFactory()
        cases = [book(clinic, patient, code, start) for code, start in CASES]
        for step in steps:
            apply(Patient.objects.get(pk=patient.pk), step)
        for case in cases:
            assert_as_booked_now(case)
        transaction.set_rollback(True)


def test_the_property_can_fail_when_a_change_skips_the_replan(clinic):
    """The comparison sees a change that did not reach the case: a flag written straight to
    the row (no service, no re-plan) leaves the case unlike the same case booked now."""
    patient = PatientFactory()
    case = book(clinic, patient, *CASES[0])
    Patient.objects.filter(pk=patient.pk).update(diabetic=True)
    with pytest.raises(AssertionError):
        assert_as_booked_now(case)
