"""Table rows for the benchmark clinic's cases: what the services would have written.

Each generator yields the rows of one table, in the column order of its `*_COLUMNS`, for
COPY. The timestamps follow each case's story (booked, checked in, done, outcome; or
cancelled, or missed); reminders follow the reminder rules, audit rows the services' actions.
Checklist items and holds are written for the cases from `WINDOW_PAST_DAYS` ago onwards (the
worklist's and the dashboard's default range), not for the whole history.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench_clinic import between
from bench_patients import Case, Patient

from procedures.holds import HoldInstruction
from scheduling.availability import at_local

WINDOW_PAST_DAYS = 60
OVERRIDES = (
    ("consent", "Consent signed on paper; scanned after the case"),
    ("imaging", "Outside MRI reviewed on the CD the patient brought"),
    ("npo", "Light breakfast at 06:00; anaesthetist agreed to proceed"),
    ("driver", "Driver arriving at noon; patient stays until then"),
)
FIRST = "Ann Ben Carla Dev Ella Farid Gina Hugo Ines Jon Kira Liam Maya Nico Olga Paul Rosa Sam"
SYLLABLES = "al ber cor dan el fin gar hol is jor ken lan mor nor ost per quin ros tal ver"


@dataclass
class Ids:
    """Database ids and catalog facts the rows need, read once by `bench_data`."""

    now: dt.datetime
    today: dt.date
    proc_ids: list[int]
    procs: list[Any]  # ProcedureType rows, index-aligned with bench_clinic's Proc list
    regional_risk: dict[tuple[int, str], str]
    payer_ids: dict[str, int]
    payer_auth: set[tuple[int, int]]
    drugs: dict[str, tuple[int, str]]
    holds: dict[tuple[str, str], HoldInstruction]
    templates: list[Any]  # ChecklistItemTemplate rows with `codes` (their procedures)
    rules: dict[str, list[Any]]  # trigger -> ReminderRule rows
    provider_ids: list[int]
    room_ids: list[int]
    scheduler_id: int
    nurse_ids: list[int]
    usernames: dict[int, str]
    day_bases: dict[dt.date, dt.datetime] = field(default_factory=dict)

    def moment(self, day: dt.date, minute: int) -> dt.datetime:
        """A clinic wall-clock time as a UTC instant (no clinic weekday has a DST change)."""
        base = self.day_bases.get(day)
        if base is None:
            base = self.day_bases[day] = at_local(day, dt.time(0))
        return base + dt.timedelta(minutes=minute)


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


class Story:
    """The instants of one case: derived once, read by every table's rows."""

    __slots__ = (
        "start",
        "end",
        "created",
        "checked_in",
        "completed",
        "cancelled",
        "no_show",
        "status",
    )

    def __init__(self, case: Case, ids: Ids, rng: random.Random) -> None:
        slot, minutes = case.slot, ids.procs[case.slot.proc].duration_minutes
        self.start = ids.moment(slot.day, slot.start)
        self.end = self.start + dt.timedelta(minutes=minutes)
        self.created = self.start - dt.timedelta(minutes=case.lead_minutes)
        self.checked_in = self.completed = self.cancelled = self.no_show = None
        self.status = case.status
        if case.status == "completed":
            checked_in = self.start + dt.timedelta(minutes=case.late_minutes)
            done = self.end + dt.timedelta(minutes=case.late_minutes + between(rng, -5, 10))
            # Today's cases under way (checked in, not done) or not arrived yet.
            self.checked_in = checked_in if checked_in <= ids.now else None
            self.completed = done if done <= ids.now else None
            if self.completed is None:
                self.status = "checked_in" if self.checked_in else "scheduled"
        elif case.status == "cancelled":
            self.cancelled = max(
                self.start - dt.timedelta(minutes=case.cancel_minutes_before),
                self.created + dt.timedelta(minutes=5),
            )
        elif case.status == "no_show":
            self.no_show = self.start + dt.timedelta(minutes=between(rng, 20, 90))


def stories(cases: list[Case], ids: Ids, seed: int) -> list[Story]:
    rng = random.Random(seed)
    return [Story(case, ids, rng) for case in cases]


# Patients ----------------------------------------------------------------------------------

PATIENT_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "mrn",
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "email",
    "preferred_channel",
    "diabetic",
    "could_be_pregnant",
    "contrast_allergy",
    "payer_id",
]


def patient_rows(
    patients: list[Patient], first_seen: list[dt.datetime], ids: Ids, seed: int
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(seed)
    firsts, syllables = FIRST.split(), SYLLABLES.split()
    for index, p in enumerate(patients):
        pk = index + 1
        first = firsts[index % len(firsts)]
        last = "".join(syllables[(index // n) % len(syllables)] for n in (1, 7, 131)).title()
        phone = f"+1212{between(rng, 200, 999)}{between(rng, 0, 9999):04d}"
        created = first_seen[index] - dt.timedelta(days=between(rng, 1, 20))
        yield (
            pk,
            created,
            created,
            f"B{pk:07d}",
            first,
            last,
            dt.date(p.birth_year, 1 + index % 12, 1 + index % 28),
            phone if p.sms or rng.random() < 0.6 else "",
            f"{first}.{last}.{pk}@example.org".lower() if not p.sms else "",
            "sms" if p.sms else "email",
            p.diabetic,
            p.could_be_pregnant,
            p.contrast_allergy,
            ids.payer_ids.get(p.payer),
        )


# Appointments ------------------------------------------------------------------------------

APPOINTMENT_COLUMNS = [
    "id",
    "patient_id",
    "procedure_type_id",
    "region",
    "side",
    "provider_id",
    "room_id",
    "start",
    "end",
    "room_busy_until",
    "status",
    "sedation",
    "levels",
    "cancel_reason",
    "cancel_cause",
    "cancelled_at",
    "checked_in_at",
    "check_in_override_reason",
    "completed_at",
    "no_show_at",
    "attention",
    "attention_at",
    "attention_sources",
    "relief_percent",
    "pain_before",
    "pain_after",
    "outcome_recorded_at",
    "outcome_recorded_by_id",
    "created_by_id",
    "created_at",
    "updated_at",
    "sequence",
]


def outcome_at(case: Case, story: Story, ids: Ids) -> dt.datetime | None:
    """When the relief was recorded: the evening after the case, once that has passed."""
    if case.relief is None or story.completed is None:
        return None
    recorded = story.completed + dt.timedelta(hours=6)
    return recorded if recorded <= ids.now else None


def appointment_rows(
    cases: list[Case], stories_: list[Story], ids: Ids
) -> Iterator[tuple[Any, ...]]:
    turnover = dt.timedelta(minutes=15)
    for index, (case, story) in enumerate(zip(cases, stories_, strict=True)):
        proc = ids.procs[case.slot.proc]
        recorded = outcome_at(case, story, ids)
        stamps = [story.created, story.checked_in, story.completed, story.cancelled]
        stamps += [story.no_show, recorded]
        override = OVERRIDES[index % len(OVERRIDES)][1] if case.override else ""
        nurse = ids.nurse_ids[index % len(ids.nurse_ids)]
        yield (
            index + 1,
            case.patient + 1,
            proc.pk,
            case.region,
            case.side,
            ids.provider_ids[case.slot.provider],
            ids.room_ids[case.slot.room],
            story.start,
            story.end,
            story.end + turnover,
            story.status,
            proc.sedation,
            "[]",
            case.cancel_cause.replace("_", " ").capitalize() if case.cancel_cause else "",
            case.cancel_cause,
            story.cancelled,
            story.checked_in,
            override,
            story.completed,
            story.no_show,
            "",
            None,
            "{}",
            case.relief if recorded else None,
            None,
            None,
            recorded,
            nurse if recorded else None,
            ids.scheduler_id,
            story.created,
            max(s for s in stamps if s is not None),
            # Changes a subscribed calendar has seen: a row written once has had none.
            0,
        )


# Audit -------------------------------------------------------------------------------------

AUDIT_COLUMNS = [
    "id",
    "actor_id",
    "actor_username",
    "at",
    "kind",
    "action",
    "object_type",
    "object_id",
    "patients",
    "changes",
    "reason",
]


def audit_rows(cases: list[Case], stories_: list[Story], ids: Ids) -> Iterator[tuple[Any, ...]]:
    """Booking, each status change, the outcome, and the check-ins with items open."""
    pk = 0
    for index, (case, story) in enumerate(zip(cases, stories_, strict=True)):
        target = str(index + 1)
        nurse = ids.nurse_ids[index % len(ids.nurse_ids)]
        booked = _dumps(
            {
                "patient": case.patient + 1,
                "procedure_type": ids.proc_ids[case.slot.proc],
                "region": case.region,
                "side": case.side,
                "provider": ids.provider_ids[case.slot.provider],
                "room": ids.room_ids[case.slot.room],
                "start": story.start.isoformat(),
                "end": story.end.isoformat(),
            }
        )
        events: list[tuple[int, dt.datetime, str, str, str]] = [
            (ids.scheduler_id, story.created, "appointment.book", booked, "")
        ]
        if story.checked_in:
            if case.override:
                item, reason = OVERRIDES[index % len(OVERRIDES)]
                items = _dumps({"open_items": [item]})
                events.append(
                    (nurse, story.checked_in, "appointment.check_in_override", items, reason)
                )
            move = '{"status":["scheduled","checked_in"]}'
            events.append((nurse, story.checked_in, "appointment.checked_in", move, ""))
        if story.completed:
            move = '{"status":["checked_in","completed"]}'
            events.append((nurse, story.completed, "appointment.completed", move, ""))
            recorded = outcome_at(case, story, ids)
            if recorded:
                relief = _dumps({"relief_percent": [None, case.relief]})
                events.append((nurse, recorded, "appointment.outcome", relief, ""))
        if story.cancelled:
            move = _dumps(
                {"status": ["scheduled", "cancelled"], "cancel_cause": [None, case.cancel_cause]}
            )
            events.append(
                (
                    ids.scheduler_id,
                    story.cancelled,
                    "appointment.cancelled",
                    move,
                    case.cancel_cause,
                )
            )
        if story.no_show:
            move = '{"status":["scheduled","no_show"]}'
            events.append((nurse, story.no_show, "appointment.no_show", move, ""))
        patients = f"[{case.patient + 1}]"
        for actor, at, action, changes, reason in events:
            pk += 1
            name = ids.usernames[actor]
            yield (
                pk,
                actor,
                name,
                at,
                "write",
                action,
                "scheduling.appointment",
                target,
                patients,
                changes,
                reason,
            )
