"""What a booked case's rows say, and what booking the same case now would write.

`rows(case)` reads a case's checklist, holds, live booking reminders and flags; `booked_now`
cancels the case and books it again at the same place and time inside a savepoint that is
rolled back, and reads the new case's rows: the plan "the same case booked now" would get,
written by the real booking service, not recomputed by the test.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction

from scheduling import services
from scheduling.attention import attention_list
from scheduling.models import Appointment, ReminderStatus
from scheduling.replan import plan_for


def rows(case: Appointment) -> dict[str, Any]:
    case = Appointment.objects.select_related("patient", "procedure_type").get(pk=case.pk)
    return {
        "checklist": sorted(
            (i.code, i.label, i.required, i.order) for i in case.checklist_items.all()
        ),
        "holds": sorted(
            (h.drug.code, h.last_dose_on, h.last_dose_at, h.resume_at, h.inr_required)
            for h in case.holds.select_related("drug")
        ),
        "reminders": sorted(
            (r.kind, r.planned_at, json.dumps(r.context, sort_keys=True), r.channel)
            for r in case.reminders.filter(trigger="booked").exclude(
                status=ReminderStatus.CANCELLED
            )
        ),
        "flags": sorted(flag["code"] for flag in attention_list(case)),
    }


def planned(case: Appointment) -> dict[str, Any]:
    """The pure plan of the case's facts now, in the shape of `rows` (flags aside)."""
    case = Appointment.objects.select_related("patient", "procedure_type").get(pk=case.pk)
    plan = plan_for(case)
    channel = case.patient.preferred_channel
    return {
        "checklist": sorted((t.code, t.label, t.required, t.order) for t in plan.checklist),
        "reminders": sorted(
            (r.kind, r.at, json.dumps(r.context, sort_keys=True), channel) for r in plan.reminders
        ),
    }


def booked_now(case: Appointment) -> dict[str, Any]:
    """The rows of the same case booked now (the original cancelled first), rolled back."""
    case = Appointment.objects.select_related("patient", "procedure_type").get(pk=case.pk)
    with transaction.atomic():
        services.appointment_cancel(appointment=case, reason="Booked again", acting_user=None)
        twin = services.appointment_book(
            patient=case.patient,
            procedure_type=case.procedure_type,
            region=case.region,
            side=case.side,
            provider=case.provider,
            room=case.room,
            start=case.start,
            sedation=case.sedation,
            levels=case.levels or (),
            acting_user=None,
        )
        found = rows(twin)
        transaction.set_rollback(True)
    return found


def assert_as_booked_now(case: Appointment) -> None:
    """The case's checklist, holds and reminders are what booking it now would write (the
    ticks and the reminders already sent aside), and what the pure plan says."""
    now, twin = rows(case), booked_now(case)
    for part in ("checklist", "holds", "reminders"):
        assert now[part] == twin[part], part
    plan = planned(case)
    assert now["checklist"] == plan["checklist"]
    assert now["reminders"] == plan["reminders"]
