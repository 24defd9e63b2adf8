"""`manage.py seed_demo`: a clinic worth clicking through, whatever the hour it is built.

The demo is built once per moment (a Wednesday before opening, a Wednesday late at night, a
Saturday, Christmas Day) inside a transaction that is rolled back afterwards; every test
reads it as the product would, through the rule evaluator and the tables.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory, override_settings

from clinic.models import AuditEvent, Patient
from clinic.roles import roles_of
from procedures.models import (
    AuthorizationStatus,
    PriorAuthorization,
    ProcedureHistory,
    ProcedureType,
    PsychEvaluation,
)
from procedures.rules.pathways import Pathway, pathways
from scheduling.availability import local_date
from scheduling.demo.clinic import STAFF
from scheduling.eligibility import PatientRules
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentHold,
    CancelCause,
    ChecklistItem,
    FollowUp,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Status,
)
from tests.scheduling_helpers import local

MOMENTS = {
    "wednesday-0700": local(2026, 11, 18, 7, 0),
    "wednesday-2330": local(2026, 11, 18, 23, 30),
    "saturday-noon": local(2026, 11, 21, 12, 0),
    "christmas-day": local(2026, 12, 25, 12, 0),
}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

pytestmark = pytest.mark.django_db


@dataclass
class Demo:
    now: dt.datetime
    output: str

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def open_today(self) -> bool:
        return self.now.weekday() < 5 and self.today != dt.date(2026, 12, 25)

    def next_clinic_day(self) -> dt.date:
        day = self.today + dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day


@pytest.fixture(scope="module", params=list(MOMENTS))
def demo(request, django_db_setup, django_db_blocker) -> Iterator[Demo]:
    """The demo built at one moment, kept for the module's tests and rolled back after."""
    now = MOMENTS[request.param]
    with (
        django_db_blocker.unblock(),
        time_machine.travel(now, tick=False),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, DEBUG=True),
        transaction.atomic(),
    ):
        output = StringIO()
        call_command("seed_demo", stdout=output)
        yield Demo(now, output.getvalue())
        transaction.set_rollback(True)


def demo_patients():
    return Patient.objects.filter(mrn__startswith="DEMO-")


def on_day(day: dt.date):
    start = local(day.year, day.month, day.day)
    return Appointment.objects.filter(start__gte=start, start__lt=start + dt.timedelta(days=1))


def all_pathways() -> list[tuple[Patient, Pathway]]:
    found = []
    for patient in demo_patients():
        rules = PatientRules.load(patient)
        found += [(patient, p) for p in pathways(rules.facts, rules.rule_set, rules.today)]
    return found


def violations(patient: Patient, code: str, region: str, side: str, day: dt.date):
    rules = PatientRules.load(patient)
    decision = rules.decide(ProcedureType.objects.get(code=code), region, side, day)
    return {v.code: v for v in decision.violations}


# --- people -------------------------------------------------------------------------------------


def test_the_demo_registers_some_forty_patients_with_demo_mrns_phones_and_emails(demo):
    patients = list(demo_patients().select_related("payer"))
    assert len(patients) >= 40
    assert all(p.email.endswith("@example.org") for p in patients)
    phones = {str(p.phone) for p in patients}
    assert all(phone.startswith("+1") and len(phone) == 12 for phone in phones)
    assert len(phones) == len(patients)
    payers = Counter(p.payer.code if p.payer else "none" for p in patients)
    for payer in ("none", "self_pay", "medicare", "bcbs", "aetna"):
        assert payers[payer] >= 1, payer
    assert ProcedureHistory.objects.filter(patient__in=patients).count() >= 5
    assert PsychEvaluation.objects.filter(patient__in=patients).count() >= 4


def test_the_printed_logins_sign_in_with_their_roles(demo):
    assert "Demo logins" in demo.output
    for role, username, password in STAFF:
        assert f"{username} / {password}" in demo.output
        # As the sign-in page asks: the lockout's backend needs the request.
        request = RequestFactory().post("/login/")
        user = authenticate(request, username=username, password=password)
        assert user is not None and roles_of(user) == {role}


def test_nothing_the_demo_planned_was_refused_by_the_services(demo):
    assert "Demo data ready" in demo.output
    assert "Not booked" not in demo.output


# --- the coming days ----------------------------------------------------------------------------


def test_today_has_cases_only_when_the_clinic_opens(demo):
    today = on_day(demo.today)
    if not demo.open_today:
        assert not today.exists()
        return
    assert today.count() >= 18
    if demo.now.hour >= 20:
        # Late at night the day is over: done, or cancelled, or the patient never came.
        assert not today.filter(status__in=[Status.SCHEDULED, Status.CHECKED_IN]).exists()
        done = today.filter(status=Status.COMPLETED)
        assert done.count() >= 12
        assert done.filter(relief_percent__isnull=False).exists()
    else:
        # Before opening everything is ahead; the first patients have arrived and are in.
        assert not today.filter(status=Status.COMPLETED).exists()
        first = today.order_by("start").first()
        assert first.status == Status.CHECKED_IN
        assert first.checked_in_at <= demo.now


def test_the_next_clinic_day_keeps_both_providers_and_every_room_busy(demo):
    cases = on_day(demo.next_clinic_day()).filter(status__in=ACTIVE_STATUSES)
    assert cases.count() >= 16
    minutes: Counter[str] = Counter()
    rooms: Counter[str] = Counter()
    for case in cases.select_related("provider", "room"):
        minutes[case.provider.name] += (case.end - case.start).total_seconds() / 60
        rooms[case.room.name] += 1
    assert len(minutes) == 2
    # Busy most of a 08:00-17:00 day (540 minutes).
    assert all(booked >= 270 for booked in minutes.values()), minutes
    assert rooms["Fluoro Suite 1"] >= 5 and rooms["Fluoro Suite 2"] >= 5, rooms
    assert rooms["Exam Room 1"] >= 1, rooms
    # Booked through the services, as a scheduler does.
    ids = {str(pk) for pk in cases.values_list("pk", flat=True)}
    booked = AuditEvent.objects.filter(action="appointment.book", object_id__in=ids)
    assert set(booked.values_list("object_id", flat=True)) == ids


def test_the_next_clinic_days_checklists_are_partly_worked_by_a_nurse(demo):
    items = ChecklistItem.objects.filter(
        appointment__in=on_day(demo.next_clinic_day()).filter(status=Status.SCHEDULED)
    )
    done = items.filter(done=True)
    assert done.exists() and items.filter(done=False, required=True).exists()
    assert done.exclude(code="prior_auth").filter(done_by__username="nurse").exists()
    ticked = AuditEvent.objects.filter(action="checklist.tick", actor__username="nurse")
    assert ticked.count() >= done.exclude(code="prior_auth").count()
    # The items the patients' facts call for.
    codes = set(items.values_list("code", flat=True))
    assert {"glucose", "contrast_allergy", "npo", "driver", "imaging"} <= codes


def test_a_case_needs_attention_because_a_hold_can_no_longer_be_met(demo):
    flagged = Appointment.objects.filter(status=Status.SCHEDULED).exclude(attention="")
    assert flagged.exists()
    assert any("Hold cannot be met" in case.attention for case in flagged)


def test_a_cancellation_for_the_next_clinic_day_was_recorded_through_the_service(demo):
    cancelled = on_day(demo.next_clinic_day()).filter(status=Status.CANCELLED)
    assert cancelled.filter(cancel_cause=CancelCause.PATIENT_REQUEST).exists()
    assert AuditEvent.objects.filter(
        action="appointment.cancelled", object_id__in=[str(c.pk) for c in cancelled]
    ).exists()


def test_the_desk_opens_on_a_freed_epidural_time_that_three_waiting_patients_fit(demo):
    from scheduling.waitlist.selectors import live_matches, open_freed_slots

    with time_machine.travel(demo.now, tick=False):
        slots = open_freed_slots()
    fitted = [slot for slot in slots if len(live_matches(slot)) == 3]
    assert fitted, [(s.start, len(live_matches(s))) for s in slots]
    names = [m.entry.patient.last_name for m in live_matches(fitted[0])]
    assert names == ["Holloway", "Reyes", "Park"]  # the longest-waiting first


# --- the stages of each pathway -----------------------------------------------------------------


def test_facet_patients_stand_at_every_stage_of_the_pathway(demo):
    steps = [(p, path.next_step) for p, path in all_pathways() if path.family == "facet"]
    labels = {(step.label, step.allowed) for _, step in steps if step}
    assert ("block 2", True) in labels  # first block done, second pending
    assert ("RFA", True) in labels  # two positive blocks
    assert ("block 1 (start again)", True) in labels  # a negative block
    assert ("record relief of block 1", False) in labels  # the diary is not back
    repeats = [step for _, step in steps if step and step.label == "repeat RFA"]
    assert any(not s.allowed and s.eligible_from and s.eligible_from > demo.today for s in repeats)
    # A commercial payer's patient whose 60-65% blocks count as positive (50% there).
    carmen = Patient.objects.get(mrn="DEMO-0003")
    assert Appointment.objects.filter(patient=carmen, procedure_type__code="RFA").exists()


def test_an_esi_patient_is_at_the_limit_with_the_date_it_lifts(demo):
    farid = Patient.objects.get(mrn="DEMO-0006")
    found = violations(farid, "ESI_TF", "lumbar", "right", demo.today)
    limit = found["frequency_limit"]
    assert limit.eligible_from is not None and limit.eligible_from > demo.today
    # Under the limit from that date, as the refusal says.
    later = violations(farid, "ESI_TF", "lumbar", "right", limit.eligible_from)
    assert "frequency_limit" not in later
    pradeep = Patient.objects.get(mrn="DEMO-0016")
    assert "insufficient_response" in violations(pradeep, "ESI_TF", "lumbar", "left", demo.today)


def test_a_medicare_repeat_epidural_waits_for_the_relief_follow_up_at_three_months(demo):
    mei = Patient.objects.get(mrn="DEMO-0013")
    assert mei.payer.code == "medicare"
    esi = Appointment.objects.get(patient=mei, procedure_type__code="ESI_IL")
    assert esi.status == Status.COMPLETED and esi.relief_percent >= 50
    # The relief on the day is enough; how long it lasted is not proved yet, and waiting
    # alone proves nothing: the answer names the day a follow-up could prove it.
    found = violations(mei, "ESI_IL", "cervical", "left", demo.today)
    pending = found["outcome_pending"]
    proof_due = local_date(esi.start) + dt.timedelta(days=90)
    assert pending.proof_due == proof_due > demo.today
    assert pending.eligible_from is None
    # Medicare's own reminder row: the relief follow-up falls on that day, not at two weeks.
    reminder = esi.reminders.get(kind=ReminderKind.RELIEF_FOLLOW_UP)
    assert reminder.status == ReminderStatus.PENDING
    assert local_date(reminder.due_at) == proof_due

    # Another Medicare patient's ESI was followed up at three months: the repeat is booked.
    noah = Patient.objects.get(mrn="DEMO-0014")
    first, repeat = Appointment.objects.filter(
        patient=noah, procedure_type__code="ESI_TF"
    ).order_by("start")
    assert repeat.status == Status.SCHEDULED
    assert first.follow_ups.filter(
        assessed_on__gte=local_date(first.start) + dt.timedelta(days=90), relief_percent__gte=50
    ).exists()


def test_si_joint_injections_follow_a_positive_diagnostic_block(demo):
    # History from elsewhere: a block with 85%, an injection whose relief lasted 4 months.
    david = Patient.objects.get(mrn="DEMO-0004")
    injection = Appointment.objects.get(patient=david, procedure_type__code="SI_JOINT")
    assert injection.status == Status.SCHEDULED
    # Done here: the block, the injection, its relief followed up at three months, and the
    # second injection after that follow-up.
    fatima = Patient.objects.get(mrn="DEMO-0031")
    cases = list(Appointment.objects.filter(patient=fatima).order_by("start"))
    assert [c.procedure_type.code for c in cases] == ["SI_DIAG", "SI_JOINT", "SI_JOINT"]
    block, first, second = cases
    assert block.relief_percent >= 75
    [follow_up] = first.follow_ups.all()
    assert follow_up.assessed_on >= local_date(first.start) + dt.timedelta(days=90)
    assert follow_up.relief_percent >= 50
    assert follow_up.recorded_at < second.created_at
    # A side without a positive block is refused for an injection.
    assert "pathway_incomplete" in violations(fatima, "SI_JOINT", "sacral", "left", demo.today)


def test_stimulator_patients_show_a_running_trial_an_allowed_implant_and_missing_psych(demo):
    thomas = Patient.objects.get(mrn="DEMO-0019")
    rules = PatientRules.load(thomas)
    [trial] = [s for s in rules.facts.sessions if s.procedure == "SCS_TRIAL"]
    assert demo.today - dt.timedelta(days=7) < trial.on < demo.today  # running
    assert "pathway_incomplete" in violations(
        thomas, "SCS_IMPLANT", "thoracic", "bilateral", demo.today
    )

    ursula = Patient.objects.get(mrn="DEMO-0020")
    implant = Appointment.objects.get(patient=ursula, procedure_type__code="SCS_IMPLANT")
    assert implant.status == Status.SCHEDULED
    assert implant.checklist_items.get(code="prior_auth").done is False
    assert PriorAuthorization.objects.filter(
        patient=ursula, procedure_type__code="SCS_IMPLANT", status=AuthorizationStatus.REQUESTED
    ).exists()

    for mrn in ("DEMO-0021", "DEMO-0022"):  # none on file; one too old
        patient = Patient.objects.get(mrn=mrn)
        assert "psych_evaluation_required" in violations(
            patient, "SCS_TRIAL", "thoracic", "bilateral", demo.today
        )
    xavier = Patient.objects.get(mrn="DEMO-0023")
    assert "insufficient_response" in violations(
        xavier, "SCS_IMPLANT", "thoracic", "bilateral", demo.today
    )


def test_a_warfarin_patient_is_mid_hold_and_an_apixaban_hold_is_ahead(demo):
    yesterday = demo.today - dt.timedelta(days=1)
    warfarin = AppointmentHold.objects.get(
        drug__code="warfarin", appointment__status=Status.SCHEDULED
    )
    assert warfarin.last_dose_on in (demo.today, yesterday)
    case = warfarin.appointment
    assert local_date(case.start) > demo.today
    # Booked in good time, and the hold is being kept: nothing to flag.
    assert case.created_at < demo.now - dt.timedelta(days=7)
    assert case.attention == ""
    assert case.checklist_items.filter(code="inr").exists()
    stop = case.reminders.get(kind=ReminderKind.ANTICOAGULANT_STOP)
    assert stop.status in (ReminderStatus.SENT, ReminderStatus.PENDING)
    assert case.reminders.get(kind=ReminderKind.ANTICOAGULANT_RESTART).status == "pending"

    apixaban = AppointmentHold.objects.get(
        drug__code="apixaban",
        appointment__status=Status.SCHEDULED,
        appointment__patient__mrn="DEMO-0026",
    )
    assert apixaban.last_dose_on > demo.today
    assert apixaban.appointment.reminders.filter(
        kind=ReminderKind.ANTICOAGULANT_STOP, status=ReminderStatus.PENDING
    ).exists()
    assert AppointmentHold.objects.filter(
        drug__code="enoxaparin_therapeutic", last_dose_at__isnull=False
    ).exists()


def test_authorizations_are_approved_pending_and_one_expires_before_its_case(demo):
    statuses = set(PriorAuthorization.objects.values_list("status", flat=True))
    assert {AuthorizationStatus.APPROVED, AuthorizationStatus.REQUESTED} <= statuses
    grace = Appointment.objects.get(patient__mrn="DEMO-0007", procedure_type__code="RFA")
    authorization = PriorAuthorization.objects.get(patient__mrn="DEMO-0007")
    assert authorization.status == AuthorizationStatus.APPROVED
    assert authorization.valid_to < local_date(grace.start)
    assert grace.checklist_items.get(code="prior_auth").done is False


# --- the past -----------------------------------------------------------------------------------


def test_the_past_months_have_outcomes_cancellations_no_shows_and_reminders(demo):
    past = Appointment.objects.filter(start__lt=demo.now)
    first = local_date(past.order_by("start").first().start)
    assert (demo.today - first).days >= 80
    completed = past.filter(status=Status.COMPLETED)
    assert completed.count() >= 150
    assert completed.filter(relief_percent__isnull=False).count() >= 100
    assert completed.filter(pain_before__isnull=False).exists()
    assert past.filter(status=Status.NO_SHOW).count() >= 3

    cancelled = list(past.filter(status=Status.CANCELLED))
    causes = Counter(c.cancel_cause for c in cancelled)
    assert len(causes) >= 6, causes
    for cause in ("hold_not_met", "checklist_incomplete", "authorization_missing"):
        assert causes[cause] >= 1, causes
    assert all(c.cancel_reason and c.cancelled_at <= c.start for c in cancelled)
    same_day = [c for c in cancelled if local_date(c.cancelled_at) == local_date(c.start)]
    assert len(same_day) >= 3

    # Relief asked again on the day its reminder fell, where a repeat needs it proved.
    assert FollowUp.objects.filter(appointment__procedure_type__code="TPI").exists()
    assert FollowUp.objects.filter(appointment__procedure_type__code__startswith="ESI").exists()
    assert Reminder.objects.filter(
        kind=ReminderKind.RELIEF_FOLLOW_UP, status=ReminderStatus.SENT
    ).exists()

    reminders = Counter(Reminder.objects.values_list("status", flat=True))
    assert reminders[ReminderStatus.SENT] >= 100
    assert reminders[ReminderStatus.FAILED] >= 3
    # Mail to one patient bounces: everything sent to them so far has failed, at once.
    bounced = Reminder.objects.filter(patient__mrn="DEMO-0030", due_at__lte=demo.now)
    assert bounced.exists()
    assert set(bounced.values_list("status", "attempts")) <= {(ReminderStatus.FAILED, 1)}
    assert reminders[ReminderStatus.CANCELLED] >= 1


def test_past_rows_carry_the_stamps_the_services_would_have_set(demo):
    for case in Appointment.objects.filter(start__lt=demo.now - dt.timedelta(days=1)):
        assert case.created_at < case.start
        assert case.room_busy_until == case.end + dt.timedelta(minutes=case.room.turnover_minutes)
        if case.status == Status.COMPLETED:
            assert case.checked_in_at < case.completed_at <= demo.now
            assert case.checklist_items.filter(required=True, done=False).count() == 0 or (
                case.check_in_override_reason
            )
            if case.relief_percent is not None:
                assert case.completed_at <= case.outcome_recorded_at <= demo.now
            for follow_up in case.follow_ups.all():
                assert local_date(case.start) < follow_up.assessed_on <= demo.today
                assert case.outcome_recorded_at <= follow_up.recorded_at <= demo.now
        elif case.status == Status.NO_SHOW:
            assert case.start < case.no_show_at <= demo.now
    # Every case that began before now says the demo wrote it; so does the warfarin case,
    # booked before its hold began; every other upcoming case was booked by the scheduler.
    written = set(
        AuditEvent.objects.filter(action="appointment.demo_history").values_list(
            "object_id", flat=True
        )
    )
    began = {
        str(pk)
        for pk in Appointment.objects.filter(start__lt=demo.now).values_list("pk", flat=True)
    }
    warfarin = Appointment.objects.get(holds__drug__code="warfarin", status=Status.SCHEDULED)
    assert written == began | {str(warfarin.pk)}


def test_no_provider_room_or_patient_is_in_two_active_cases_at_once(demo):
    cases = Appointment.objects.filter(status__in=ACTIVE_STATUSES).order_by("start")
    spans: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime]]] = {}
    for case in cases:
        for key, end in (
            (("provider", case.provider_id), case.end),
            (("room", case.room_id), case.room_busy_until),
            (("patient", case.patient_id), case.end),
        ):
            for start, until in spans.get(key, []):
                assert not (start < end and case.start < until), (key, case.pk)
            spans.setdefault(key, []).append((case.start, end))


# --- twice --------------------------------------------------------------------------------------


def test_a_second_run_adds_nothing_and_fails_nothing(demo):
    def counts() -> dict[str, int]:
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if not model._meta.proxy
        }

    before = counts()
    output = StringIO()
    with override_settings(PASSWORD_HASHERS=FAST_HASHER, DEBUG=True):
        call_command("seed_demo", stdout=output)
    assert counts() == before
    assert "nothing added" in output.getvalue()
    assert "Demo logins" in output.getvalue()


@pytest.mark.django_db
def test_with_debug_off_it_refuses_and_writes_nothing(settings):
    settings.DEBUG = False
    patients, users = demo_patients().count(), get_user_model().objects.count()
    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo", stdout=StringIO())
    assert (demo_patients().count(), get_user_model().objects.count()) == (patients, users)
