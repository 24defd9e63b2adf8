"""`build_demo()`: the whole demo clinic, and nothing twice.

The clinic's staff, providers and rooms are found or created; then every demo patient not
registered yet is registered with their facts, their past is planned and written, and their
coming cases are booked and worked. A second run finds every patient registered and adds
nothing. Each patient is planned only when registered, so a database seeded by an earlier
version keeps what it had and gains the patients it lacked, around the cases already there.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from clinic.models import Patient
from procedures.models import ProcedureType
from scheduling.demo.agenda import Agenda
from scheduling.demo.charts import Chart, RuleSets
from scheduling.demo.clinic import DemoClinic, ensure_clinic
from scheduling.demo.days import ClinicDays
from scheduling.demo.past import PastWriter
from scheduling.demo.people import Registrar
from scheduling.demo.planner import MARGIN, PAST_DAYS, Planner, RegularState, schedule_days
from scheduling.demo.present import Desk
from scheduling.demo.regulars import regulars
from scheduling.demo.reminder_rules import ReminderRules
from scheduling.demo.stories import all_stories
from scheduling.demo.waitlist import seed_waitlist

REGULARS = 70


@dataclass
class DemoSummary:
    clinic: DemoClinic
    patients_added: int = 0
    past_cases: int = 0
    booked_cases: int = 0
    days: dict[dt.date, int] = field(default_factory=dict)  # cases on each schedule day
    refused: list[str] = field(default_factory=list)


def build_demo() -> DemoSummary:
    now, today = timezone.now(), timezone.localdate()
    clinic = ensure_clinic()
    summary = DemoSummary(clinic)
    _build_patients(clinic, summary, now, today)
    # After the schedule, so that its slot search sees the booked days.
    if refused := seed_waitlist(clinic):
        summary.refused.append(refused)
    return summary


def _build_patients(
    clinic: DemoClinic, summary: DemoSummary, now: dt.datetime, today: dt.date
) -> None:
    days = ClinicDays.load(today, clinic.providers, clinic.rooms)
    stories = all_stories(days)
    people = regulars(len(stories) + 1, REGULARS, days)
    known = set(
        Patient.objects.filter(
            mrn__in=[s.profile.mrn for s in stories] + [r.profile.mrn for r in people]
        ).values_list("mrn", flat=True)
    )
    stories = [s for s in stories if s.profile.mrn not in known]
    people = [r for r in people if r.profile.mrn not in known]
    if not stories and not people:
        return

    registrar = Registrar(scheduler=clinic.scheduler, nurse=clinic.nurse)
    patients = {
        p.mrn: registrar.register(p)
        for p in [s.profile for s in stories] + [r.profile for r in people]
    }
    summary.patients_added = len(patients)

    rng = random.Random(today.toordinal())  # the same demo for the same day
    agenda = Agenda(
        days,
        clinic.providers,
        clinic.rooms,
        equipment=clinic.equipment,
        blocked=(now, now + MARGIN),
    )
    ahead = schedule_days(days)
    agenda.preload(today - dt.timedelta(days=PAST_DAYS + 1), ahead[-1] + dt.timedelta(days=60))
    procedures = {p.code: p for p in ProcedureType.objects.prefetch_related("regional_risks")}
    reminder_rules = ReminderRules()
    planner = Planner(
        days=days,
        agenda=agenda,
        procedures=procedures,
        reminder_rules=reminder_rules,
        now=now,
        rng=rng,
    )
    rule_sets = RuleSets()

    def chart(mrn: str) -> Chart:
        loaded = Chart.load(patients[mrn], rule_sets, today)
        planner.charts[loaded.patient.pk] = loaded
        return loaded

    for story in stories:
        planner.place_story(chart(story.profile.mrn), story)
    first_due = today - dt.timedelta(days=PAST_DAYS)
    states = [
        RegularState(
            chart(r.profile.mrn),
            r.tracks,
            due=[first_due + dt.timedelta(days=rng.randint(0, 45)) for _ in r.tracks],
        )
        for r in people
    ]
    planner.simulate(states)

    past = [c for c in planner.cases if c.written_as_past]
    bounces = frozenset(patients[s.profile.mrn].pk for s in stories if s.profile.bounces)
    writer = PastWriter(
        now=now,
        scheduler=clinic.scheduler,
        nurse=clinic.nurse,
        rng=rng,
        reminder_rules=reminder_rules,
        unreachable=bounces,
    )
    rows = writer.write(past)
    desk = Desk(scheduler=clinic.scheduler, nurse=clinic.nurse, registrar=registrar, rng=rng)
    booked = desk.book([c for c in planner.cases if not c.written_as_past])
    booked += [(c, row) for c, row in zip(past, rows, strict=True) if c.booked_before]
    desk.work(booked)
    desk.report_drugs([(patients[s.profile.mrn], s.profile.drugs_after_booking) for s in stories])

    summary.past_cases = len(past)
    summary.booked_cases = len(desk.result.booked)
    summary.days = {day: agenda.count[day] for day in ahead}
    summary.refused = planner.skipped + desk.result.refused
