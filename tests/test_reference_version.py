"""Reference data kept per process (`procedures.versioned`): the triggers cover every table a
kept value is built from, an edit reaches the next booking of another process, and a booking
costs a bounded number of queries once the process is warm."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic.api.tokens import issue_token
from clinic.models import AuditEvent, Equipment, EquipmentKind, Payer, Provider, Room, Site
from procedures import versioned
from procedures.models import (
    ChecklistItemTemplate,
    Drug,
    HoldRule,
    PayerPriorAuthorization,
    ProcedureType,
    RegionalBleedingRisk,
    ReminderRule,
    RulesVersion,
)
from procedures.rules_tables import REFERENCE_TABLES, RULES_TABLES
from scheduling.models import (
    Appointment,
    ClinicDay,
    ClinicHours,
    ProviderDayException,
    RoomClosure,
    WorkingHours,
)
from tests.factories import PatientFactory, PatientMedicationFactory
from tests.scheduling_helpers import booking_body, local, make_small_clinic
from tests.servers import development_server_env, free_port, gunicorn_command, post, serve
from tests.worker_harness import test_database_url as database_url_of_this_test

MONDAY_MORNING = local(2026, 11, 2, 7, 0)
TUESDAY = dt.date(2026, 11, 10)

# A booking through the API once the process has its reference data: the token and the
# role, the rules version, the patient's lock, the busy cases, the patient's cases, history,
# psychological evaluations and drugs, four inserts (case, checklist, reminders, audit),
# the update closing the waitlist entry the case fills, and the transaction's BEGIN and
# COMMIT where the driver shows them.
BOOKING_QUERIES = 16


def token() -> int:
    return RulesVersion.objects.get(pk=1).token


def tables_read(queries: list[dict]) -> set[str]:
    found: set[str] = set()
    for query in queries:
        if query["sql"].lstrip().upper().startswith("SELECT"):
            found |= set(re.findall(r'(?:FROM|JOIN) "([a-z_0-9]+)"', query["sql"]))
    return found


def add_a_procedure_to_a_template() -> None:
    template = ChecklistItemTemplate.objects.order_by("pk").first()
    missing = ProcedureType.objects.exclude(pk__in=template.procedure_types.all()).first()
    template.procedure_types.add(missing)


WRITES = {
    "procedures_drug": lambda: Drug.objects.filter(code="warfarin").update(name="Warfarin (C)"),
    "procedures_holdrule": lambda: HoldRule.objects.filter(drug__code="warfarin").update(
        hold_days=6
    ),
    "procedures_regionalbleedingrisk": lambda: RegionalBleedingRisk.objects.update(
        bleeding_risk="high"
    ),
    "procedures_checklistitemtemplate": lambda: ChecklistItemTemplate.objects.filter(
        code="identity"
    ).update(label="Identity checked twice"),
    "procedures_checklistitemtemplate_procedure_types": lambda: add_a_procedure_to_a_template(),
    "procedures_reminderrule": lambda: ReminderRule.objects.update(note="edited"),
    "procedures_payerpriorauthorization": lambda: PayerPriorAuthorization.objects.create(
        payer=Payer.objects.create(name="Edited payer"),
        procedure_type=ProcedureType.objects.get(code="TPI"),
    ),
    "clinic_site": lambda: Site.objects.update(name="Renamed"),
    "clinic_room": lambda: Room.objects.update(turnover_minutes=20),
    "clinic_provider": lambda: Provider.objects.update(active=False),
    "clinic_equipmentkind": lambda: EquipmentKind.objects.filter(code="c_arm").update(
        name="Mobile C-arm"
    ),
    "clinic_equipment": lambda: Equipment.objects.update(active=False),
    "scheduling_clinichours": lambda: ClinicHours.objects.filter(weekday=0).delete(),
    "scheduling_workinghours": lambda: WorkingHours.objects.update(end_time=dt.time(12)),
    "scheduling_providerdayexception": lambda: ProviderDayException.objects.create(
        provider=Provider.objects.first(), date=TUESDAY
    ),
    "scheduling_roomclosure": lambda: RoomClosure.objects.create(
        room=Room.objects.first(),
        starts_at=local(2026, 11, 10, 8, 0),
        ends_at=local(2026, 11, 10, 12, 0),
        reason="Maintenance",
    ),
    "scheduling_clinicday": lambda: ClinicDay.objects.create(
        date=TUESDAY, closed=True, name="Staff training"
    ),
}


def test_every_reference_table_has_a_write_here():
    assert set(WRITES) == set(REFERENCE_TABLES)


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(WRITES))
def test_a_write_to_any_reference_table_changes_the_token(table: str):
    make_small_clinic()
    before = token()
    WRITES[table]()
    assert token() != before


@pytest.mark.django_db
@pytest.mark.clock_at(MONDAY_MORNING)
def test_what_a_process_keeps_is_built_only_from_tables_the_triggers_cover(api_as):
    """Cold, a booking reads everything; warm, only what it does not keep. The difference is
    what the process keeps, and every table of it must change the token when written."""
    clinic = make_small_clinic()
    api = api_as("scheduler")
    patients = [PatientFactory() for _ in range(2)]
    PatientMedicationFactory(patient=patients[0])
    PatientMedicationFactory(patient=patients[1])
    versioned.forget()
    with CaptureQueriesContext(connection) as cold:
        first = api.post(
            "/api/appointments/", booking_body(clinic, patients[0].pk, local(2026, 11, 10, 9))
        )
    with CaptureQueriesContext(connection) as warm:
        second = api.post(
            "/api/appointments/", booking_body(clinic, patients[1].pk, local(2026, 11, 10, 10))
        )
    assert (first.status_code, second.status_code) == (201, 201), (first.data, second.data)
    kept_tables = tables_read(cold.captured_queries) - tables_read(warm.captured_queries)
    assert "procedures_holdrule" in kept_tables  # the comparison sees what it should
    assert kept_tables <= set(RULES_TABLES) | set(REFERENCE_TABLES)


@pytest.mark.django_db
@pytest.mark.clock_at(MONDAY_MORNING)
def test_a_warm_booking_through_the_api_costs_at_most_sixteen_queries(api_as):
    clinic = make_small_clinic()
    api = api_as("scheduler")
    warm_up, patient = PatientFactory(), PatientFactory()
    api.post("/api/appointments/", booking_body(clinic, warm_up.pk, local(2026, 11, 10, 9)))
    with CaptureQueriesContext(connection) as booking:
        answer = api.post(
            "/api/appointments/", booking_body(clinic, patient.pk, local(2026, 11, 10, 10))
        )
    assert answer.status_code == 201, answer.data
    sql = "\n".join(q["sql"][:120] for q in booking.captured_queries)
    assert len(booking.captured_queries) <= BOOKING_QUERIES, sql


@pytest.mark.django_db
@pytest.mark.clock_at(MONDAY_MORNING)
def test_the_booking_answer_is_the_case_as_it_reads_back(api_as):
    """The answer is rendered from memory (nothing read back): it must say what a read says,
    holds included."""
    clinic = make_small_clinic()
    api = api_as("scheduler")
    patient = PatientFactory()
    PatientMedicationFactory(patient=patient, drug=Drug.objects.get(code="apixaban"))
    PatientMedicationFactory(patient=patient, drug=Drug.objects.get(code="clopidogrel"))
    booked = api.post(
        "/api/appointments/",
        # Given in another offset: the answer is in the clinic's time either way.
        booking_body(
            clinic,
            patient.pk,
            local(2026, 11, 12, 9).astimezone(dt.timezone(dt.timedelta(hours=5))),
            procedure_type="ESI_IL",
            levels=["L4-L5"],
        ),
    )
    assert booked.status_code == 201, booked.data
    assert len(booked.data["holds"]) == 2
    read = api.get(f"/api/appointments/{booked.data['id']}/")
    assert booked.json() == read.json()


@pytest.mark.django_db
@pytest.mark.clock_at(MONDAY_MORNING)
def test_booking_a_patient_who_does_not_exist_is_the_fields_error_and_writes_nothing(api_as):
    clinic = make_small_clinic()
    api = api_as("scheduler")
    audit_rows = AuditEvent.objects.count()
    answer = api.post("/api/appointments/", booking_body(clinic, 987654, local(2026, 11, 10, 9)))
    assert answer.status_code == 400
    assert answer.json() == {"patient": ['Invalid pk "987654" - object does not exist.']}
    assert not Appointment.objects.exists()
    assert AuditEvent.objects.filter(kind="write").count() == audit_rows


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_calendar_and_a_room_edited_here_apply_to_the_next_booking_in_another_process(
    tmp_path: Path, make_staff
):
    clinic = make_small_clinic()
    _, token_text = issue_token(make_staff("scheduler"))
    env = development_server_env(database_url_of_this_test(), tmp_path / "var", settings.SECRET_KEY)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())

    def at(hour: int) -> dt.datetime:
        return local(monday.year, monday.month, monday.day, hour)

    def body(hour: int) -> dict:
        return booking_body(clinic, PatientFactory().pk, at(hour), procedure_type="TPI")

    port = free_port()
    with serve(gunicorn_command(port), env, port, tmp_path / "web.log") as server:
        url = server.url("/api/appointments/")
        status, answer, _ = post(url, token_text, body(9))  # the server keeps the calendar
        assert status == 201, answer
        ClinicDay.objects.create(date=monday, closed=True, name="Staff training")
        status, answer, _ = post(url, token_text, body(11))
        assert (status, answer.get("code")) == (422, "outside_hours"), answer
        assert "Staff training" in answer["detail"]
        ClinicDay.objects.filter(date=monday).delete()
        Room.objects.filter(pk=clinic.suite1.pk).update(fluoroscopy=False)
        status, answer, _ = post(
            url, token_text, {**body(11), "procedure_type": "MBB"}
        )  # MBB needs fluoroscopy
        assert (status, answer.get("code")) == (422, "room_unsuitable"), answer


@pytest.mark.django_db
@pytest.mark.clock_at(MONDAY_MORNING)
def test_a_page_reads_the_rules_version_once_however_much_it_keeps(pages_as):
    """The patient page judges every procedure it offers (rules, holds, catalog): one read
    of the token serves the whole request (procedures.middleware.OneReadingMiddleware)."""
    make_small_clinic()
    patient = PatientFactory()
    PatientMedicationFactory(patient=patient)
    client = pages_as("scheduler")
    client.get(f"/patients/{patient.pk}/")  # builds what the process keeps
    with CaptureQueriesContext(connection) as page:
        answer = client.get(f"/patients/{patient.pk}/")
    assert answer.status_code == 200
    token_reads = [q for q in page.captured_queries if "procedures_rulesversion" in q["sql"]]
    assert len(token_reads) == 1
