"""Build the benchmark database: the clinic of bench_clinic, loaded with COPY.

`build(total)` makes (once) a database of `total` appointments over two sites, with their
patients, history, authorizations, reminders, audit trail, and the checklists and holds of
recent and coming cases; it is reused while its appointment count matches. The schema is the
real one (`migrate`); the load drops the secondary indexes and constraints and re-creates
them afterwards, which checks every row against them (bench_copy).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

SEED = 7
COMPLETE = "painclinic benchmark database, complete, built "
# A clinic as of the day it was built: the next month's bookings thin out as days pass (the
# catch-up marks them done), so an older build is made again.
MAX_AGE_DAYS = 30


def _timed(label: str, work: Callable[[], int]) -> None:
    started = time.perf_counter()
    count = work()
    print(f"  {label}: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def _usernames(ids: list[int]) -> dict[int, str]:
    """The audit rows copy their actor's username (clinic.models.AuditEvent)."""
    from django.contrib.auth import get_user_model

    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def _staff() -> tuple[int, list[int]]:
    """A scheduler who books and three nurses who check in: the actors of the audit rows."""
    from django.contrib.auth import get_user_model

    from clinic.roles import assign_role

    users = get_user_model().objects
    desk, _ = users.get_or_create(username="bench-desk")
    assign_role(desk, "scheduler")
    nurses = []
    for n in range(3):
        nurse, _ = users.get_or_create(username=f"bench-nurse-{n}")
        assign_role(nurse, "nurse")
        nurses.append(nurse.pk)
    return desk.pk, nurses


def _places(first_day: dt.date, last_day: dt.date) -> tuple[list[int], list[int]]:
    """Sites, rooms, providers, their hours and vacations (as the layout assumed them)."""
    from bench_clinic import (
        EXAM_ROOMS,
        FLUORO_ROOMS,
        PROVIDERS_PER_SITE,
        SITES,
        TURNOVER,
        Vacations,
        provider_hours,
    )

    from clinic.models import Equipment, EquipmentKind, Provider, Room, Site
    from scheduling.models import ProviderDayException, WorkingHours
    from tests.factories import npi_for

    generators = EquipmentKind.objects.get(code="rf_generator")
    rooms, providers = [], []
    for site_index, name in enumerate(SITES):
        site = Site.objects.create(name=name)
        for r in range(FLUORO_ROOMS + EXAM_ROOMS):
            fluoro = r < FLUORO_ROOMS
            label = f"Suite {r + 1}" if fluoro else f"Exam {r - FLUORO_ROOMS + 1}"
            room = Room.objects.create(
                site=site, name=f"{name.split()[0]} {label}", fluoroscopy=fluoro,
                turnover_minutes=TURNOVER,
            )  # fmt: skip
            rooms.append(room.pk)
        # One RF generator per suite: ablations are booked as often as the suites allow, and
        # the benchmark measures booking, not a shortage of generators.
        for g in range(FLUORO_ROOMS):
            Equipment.objects.create(
                site=site, kind=generators, name=f"{name.split()[0]} RF generator {g + 1}"
            )
        for p in range(PROVIDERS_PER_SITE):
            index = site_index * PROVIDERS_PER_SITE + p
            providers.append(
                Provider.objects.create(name=f"Dr. Bench {index + 1}", npi=npi_for(900 + index))
            )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            provider=provider,
            weekday=weekday,
            start_time=dt.time(start // 60, start % 60),
            end_time=dt.time(end // 60, end % 60),
        )
        for index, provider in enumerate(providers)
        for weekday, (start, end) in provider_hours(index).items()
    )
    vacations = Vacations(SEED)
    days = [first_day + dt.timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    ProviderDayException.objects.bulk_create(
        ProviderDayException(provider=provider, date=day, reason="Vacation")
        for index, provider in enumerate(providers)
        for day in days
        if day.weekday() < 5 and vacations.off(index, day)
    )
    return [p.pk for p in providers], rooms


def _ids(now: dt.datetime, procs: list[Any], places: tuple[list[int], list[int]]) -> Any:
    from bench_rows import Ids

    from clinic.models import Payer
    from procedures.holds import HoldInstruction
    from procedures.models import (
        ChecklistItemTemplate,
        Drug,
        HoldRule,
        PayerPriorAuthorization,
        RegionalBleedingRisk,
        ReminderRule,
    )
    from scheduling.availability import local_date

    # Plain records, not model instances: read a few million times, they must be cheap.
    templates = [
        SimpleNamespace(
            pk=t.pk,
            code=t.code,
            label=t.label,
            required=t.required,
            order=t.order,
            condition=t.condition,
            value_kind=t.value_kind,
            codes=frozenset(p.code for p in t.procedure_types.all()),
        )
        for t in ChecklistItemTemplate.objects.filter(active=True).prefetch_related(
            "procedure_types"
        )
    ]
    rules: dict[str, list[Any]] = {"booked": [], "completed": []}
    for rule in ReminderRule.objects.filter(active=True):
        rules[rule.trigger].append(
            SimpleNamespace(
                kind=rule.kind,
                procedure_type_id=rule.procedure_type_id,
                anchor=rule.anchor,
                offset=dt.timedelta(minutes=rule.offset_minutes),
                note=rule.note,
            )
        )
    holds = {
        (rule.drug.code, rule.bleeding_risk): HoldInstruction(
            drug=rule.drug.code,
            drug_name=rule.drug.name,
            bleeding_risk=rule.bleeding_risk,
            hold_days=rule.hold_days,
            hold_hours=rule.hold_hours,
            inr_required=rule.inr_required,
            restart_hours=rule.restart_hours,
        )
        for rule in HoldRule.objects.select_related("drug")
        if rule.holds
    }
    scheduler, nurses = _staff()
    return Ids(
        now=now,
        today=local_date(now),
        proc_ids=[p.pk for p in procs],
        procs=[
            SimpleNamespace(
                pk=p.pk,
                code=p.code,
                duration_minutes=p.duration_minutes,
                sedation=p.sedation,
                prior_auth_required=p.prior_auth_required,
                steroid=p.steroid,
                requires_fluoroscopy=p.requires_fluoroscopy,
                uses_contrast=p.uses_contrast,
                bleeding_risk=p.bleeding_risk,
            )
            for p in procs
        ],
        regional_risk={
            (r.procedure_type_id, r.region): r.bleeding_risk
            for r in RegionalBleedingRisk.objects.all()
        },
        payer_ids=dict(Payer.objects.values_list("code", "pk")),
        payer_auth=set(
            PayerPriorAuthorization.objects.values_list("payer_id", "procedure_type_id")
        ),
        drugs={d.code: (d.pk, d.name) for d in Drug.objects.all()},
        holds=holds,
        templates=templates,
        rules=rules,
        provider_ids=places[0],
        room_ids=places[1],
        scheduler_id=scheduler,
        nurse_ids=nurses,
        usernames=_usernames([scheduler, *nurses]),
    )


def _afresh() -> None:
    """Drop the database and migrate a new one. A build cut short (an error, Ctrl-C) leaves
    its tables without the indexes the loader drops before a COPY; emptying them would keep
    that schema, and every later build would save and restore its missing indexes."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    connection.close()
    with psycopg.connect(base + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def _mark(*, complete: bool) -> None:
    """A finished build says so on the database, with its date: a build cut short is never
    reused."""
    from django.db import connection
    from django.utils import timezone

    note = COMPLETE + timezone.localdate().isoformat() if complete else ""
    with connection.cursor() as cursor:
        name = connection.settings_dict["NAME"]
        cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [note])


def _complete() -> bool:
    """Whether the database holds a finished build less than MAX_AGE_DAYS old."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        note = cursor.fetchone()[0] or ""
    if not note.startswith(COMPLETE):
        return False
    built = dt.date.fromisoformat(note.removeprefix(COMPLETE))
    return (timezone.localdate() - built).days <= MAX_AGE_DAYS


def _catch_up() -> None:
    """Days have passed since the build: the cases since then took place, their reminders
    went out. (A few thousand rows a week; the data stays a clinic as of today.)"""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE scheduling_appointment SET status = 'completed', "
            "checked_in_at = start - interval '20 minutes', completed_at = \"end\", "
            "updated_at = now() "
            "WHERE status IN ('scheduled', 'checked_in') AND \"end\" < now() - interval '1 hour'"
        )
        cases = cursor.rowcount
        cursor.execute(
            "UPDATE scheduling_reminder SET status = 'sent', sent_at = next_attempt_at, "
            "attempts = attempts + 1 WHERE status = 'pending' AND next_attempt_at < now()"
        )
        if cases or cursor.rowcount:
            print(f"  since the build: {cases:,} cases done, {cursor.rowcount:,} reminders sent")


def build(total: int, *, days_ahead: int = 365, density: float = 1.0) -> None:
    """Make the database hold `total` appointments (rebuilt only when the count differs)."""
    import bench_extras as extras
    import bench_reminders as reminders
    import bench_rows as rows
    from bench_clinic import Proc, lay_out
    from bench_copy import Loader
    from bench_patients import Assigner
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from procedures.models import ProcedureType
    from scheduling.availability import Calendar, local_date
    from scheduling.models import Appointment

    call_command("migrate", verbosity=0)
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    if Appointment.objects.count() == total and _complete():
        print(f"reusing {total:,} appointments in {database}")
        _catch_up()
        return
    started = time.perf_counter()
    print(f"building {total:,} appointments in {database} (once)...", flush=True)
    _afresh()
    _mark(complete=False)
    now = timezone.now()
    today = local_date(now)
    catalog = list(ProcedureType.objects.filter(active=True).order_by("code"))
    procs = [
        Proc(i, p.code, p.duration_minutes, p.requires_fluoroscopy) for i, p in enumerate(catalog)
    ]
    last_day = today + dt.timedelta(days=days_ahead)
    calendar = Calendar.load(first=today, last=today, provider_ids=[], room_ids=[])
    slots = lay_out(
        total=total,
        last_day=last_day,
        today=today,
        procs=procs,
        closed=lambda day: calendar.closed_because(day) is not None,
        density=density,
        seed=SEED,
    )
    assigner = Assigner(procs, SEED)
    now_local = timezone.localtime(now)
    assigner.assign(slots, today, now_local.hour * 60 + now_local.minute)
    cases, patients = assigner.cases, assigner.patients
    ids = _ids(now, catalog, _places(slots[0].day, last_day))
    stories = rows.stories(cases, ids, SEED)
    first_seen: list[dt.datetime | None] = [None] * len(patients)
    for case, story in zip(cases, stories, strict=True):
        if first_seen[case.patient] is None:
            first_seen[case.patient] = story.created
    print(
        f"  laid out {len(cases):,} cases for {len(patients):,} patients from {slots[0].day} "
        f"to {last_day} in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    connection.close()

    # Generators: each runs only when its COPY reads it.
    c, s, p = cases, stories, patients
    loads: list[tuple[str, list[str], Iterable[Any]]] = [
        # Appointments first: their exclusion constraints build while the rest loads.
        ("scheduling_appointment", rows.APPOINTMENT_COLUMNS, rows.appointment_rows(c, s, ids)),
        ("clinic_patient", rows.PATIENT_COLUMNS, rows.patient_rows(p, first_seen, ids, SEED)),
        (
            "scheduling_reminder",
            reminders.REMINDER_COLUMNS,
            reminders.reminder_rows(c, s, p, ids, SEED),
        ),
        ("clinic_auditevent", rows.AUDIT_COLUMNS, rows.audit_rows(c, s, ids)),
        ("procedures_procedurehistory", extras.HISTORY_COLUMNS, extras.history_rows(p, ids)),
        ("procedures_psychevaluation", extras.PSYCH_COLUMNS, extras.psych_rows(p, ids)),
        (
            "procedures_patientmedication",
            extras.MEDICATION_COLUMNS,
            extras.medication_rows(p, first_seen, ids),
        ),
        (
            "procedures_priorauthorization",
            extras.AUTHORIZATION_COLUMNS,
            extras.authorization_rows(c, s, p, ids, SEED),
        ),
        (
            "scheduling_checklistitem",
            extras.CHECKLIST_COLUMNS,
            extras.checklist_rows(c, s, p, ids, SEED),
        ),
        ("scheduling_appointmenthold", extras.HOLD_COLUMNS, extras.hold_rows(c, s, p, ids)),
        ("scheduling_followup", extras.FOLLOW_UP_COLUMNS, extras.follow_up_rows(c, s, ids, SEED)),
    ]
    loader = Loader(os.environ["DATABASE_URL"], [table for table, _, _ in loads])
    for table, columns, made in loads:
        _timed(table, lambda t=table, n=columns, r=made: loader.copy(t, n, r))
    loader.finish()
    _mark(complete=True)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
