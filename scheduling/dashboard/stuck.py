"""Patients stuck between the stages of a pathway, for the manager to call: four lists.

1. a positive first block, and no second block booked within the facet rule's days;
2. a positive second block, and no ablation booked within the same days;
3. a stimulator trial with enough relief, and no implant booked within the trial rule's days;
4. a case cancelled because a blood-thinner hold, the checklist or the prior authorization
   was not ready, and nothing booked for the patient since.

"Positive", the procedures and the days are the default rule set's (rules as data, edited in
the admin). A place is the recorded region and side, as in `pathways.py`. Only stages of the
last DASHBOARD_STUCK_LOOKBACK_DAYS count. Three queries read the rules, one the two facet
lists, one each of the others: six, whatever the number of patients.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse

from scheduling.availability import local_date, local_day_bounds
from scheduling.dashboard.cancellations import PREVENTABLE
from scheduling.dashboard.pathways import (
    AT_PLACE,
    FOR_PATIENT,
    FacetStages,
    ScsStages,
    default_pathways,
)
from scheduling.dashboard.tables import Column, Table
from scheduling.models import ACTIVE_STATUSES, Appointment, Status


def _place(case: Appointment) -> str:
    return f"{case.get_region_display()} {case.get_side_display().lower()}"


def _book_url(case: Appointment, procedure_code: str) -> str:
    """The booking page for this patient, the procedure, region and side filled in (the page
    searches for slots at once)."""
    query = urlencode(
        {
            "patient": case.patient_id,
            "procedure_type": procedure_code,
            "region": case.region,
            "side": case.side,
        }
    )
    return f"{reverse('book')}?{query}"


def _row(case: Appointment, today: dt.date, **extra: Any) -> dict[str, Any]:
    day = local_date(case.start)
    return {
        "patient": case.patient.full_name,
        "patient_id": case.patient_id,
        "patient_url": reverse("patient", args=[case.patient_id]),
        "mrn": case.patient.mrn,
        "place": _place(case),
        "procedure": case.procedure_type.name,
        "day": day,
        "relief": case.relief_percent,
        "waiting": (today - day).days,
        **extra,
    }


def _columns(stage: str) -> tuple[Column, ...]:
    return (
        Column("patient", "Patient", link_key="patient_url"),
        Column("mrn", "MRN"),
        Column("place", "Region and side"),
        Column("day", stage, "date"),
        Column("relief", "Relief", "percent"),
        Column("waiting", "Days waiting", "days"),
        Column("next", "Next step", link_key="book_url"),
    )


def _since(today: dt.date) -> dt.datetime:
    return local_day_bounds(today - dt.timedelta(days=settings.DASHBOARD_STUCK_LOOKBACK_DAYS))[0]


def _done_before(today: dt.date, days: int) -> dt.datetime:
    """Cases that started before this are more than `days` clinic days old today."""
    return local_day_bounds(today - dt.timedelta(days=days))[0]


def _oldest_first(cases: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return cases.select_related("patient", "procedure_type").order_by("start", "pk")


# --- Facet: positive blocks with nothing after them ---------------------------------------------


def _facet_waiting(facet: FacetStages, today: dt.date) -> list[Appointment]:
    """Positive blocks more than the rule's days old with no block or ablation booked or done
    after them at their place; each carries `after_positive`: 1 when the facet case before
    it there was a positive block (it is a second block), else 0 or None (a first block)."""
    facet_ids = (*facet.block_ids, facet.ablation_id)
    after = Appointment.objects.filter(
        AT_PLACE,
        procedure_type_id__in=facet_ids,
        status__in=ACTIVE_STATUSES,
        start__gt=OuterRef("start"),
    )
    # An ablation before it starts the pathway again: the block after an ablation is a first.
    previous = (
        Appointment.objects.filter(
            AT_PLACE,
            procedure_type_id__in=facet_ids,
            status=Status.COMPLETED,
            start__lt=OuterRef("start"),
        )
        .annotate(
            positive_block=Case(
                When(
                    procedure_type_id__in=facet.block_ids,
                    relief_percent__gte=facet.min_relief,
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-start")
        .values("positive_block")[:1]
    )
    return list(
        _oldest_first(
            Appointment.objects.filter(
                procedure_type_id__in=facet.block_ids,
                status=Status.COMPLETED,
                relief_percent__gte=facet.min_relief,
                start__gte=_since(today),
                start__lt=_done_before(today, facet.within_days),
            )
            .filter(~Exists(after))
            .annotate(after_positive=Subquery(previous, output_field=IntegerField()))
        )
    )


def _facet_tables(facet: FacetStages | None, today: dt.date, limit: int | None) -> list[Table]:
    waiting = _facet_waiting(facet, today) if facet is not None else []
    firsts = [case for case in waiting if case.after_positive != 1]  # type: ignore[attr-defined]
    seconds = [case for case in waiting if case.after_positive == 1]  # type: ignore[attr-defined]
    relief = f"{facet.min_relief}%" if facet else "the rule's relief"
    days = facet.within_days if facet else 0
    ablation_code = facet.ablation_code if facet else ""
    lookback = settings.DASHBOARD_STUCK_LOOKBACK_DAYS
    notes = () if facet else ("The default rule set has no active facet pathway rule.",)
    first = Table(
        slug="stuck-first-block",
        title="Positive first block, no second block booked",
        definition=f"A first diagnostic block done here with at least {relief} relief, more "
        f"than {days} days ago (in the last {lookback} days), with no further block or "
        "ablation booked or done since for that region and side (both sides counts as a side "
        "of its own).",
        columns=_columns("First block on"),
        rows=[
            _row(
                case,
                today,
                next="Book the second block",
                book_url=_book_url(case, case.procedure_type.code),
            )
            for case in firsts[:limit]
        ],
        total_rows=len(firsts) if limit is not None else None,
        empty=f"No one is waiting: every positive first block of the last {lookback} days "
        f"has its next step booked, or is {days} days old or less.",
        notes=notes,
    )
    second = Table(
        slug="stuck-second-block",
        title="Positive second block, no ablation booked",
        definition=f"A block done here with at least {relief} relief right after another "
        f"positive one, more than {days} days ago (in the last {lookback} days), with no "
        "ablation or further block booked or done since for that region and side.",
        columns=_columns("Second block on"),
        rows=[
            _row(case, today, next="Book the ablation", book_url=_book_url(case, ablation_code))
            for case in seconds[:limit]
        ],
        total_rows=len(seconds) if limit is not None else None,
        empty=f"No one is waiting: every positive second block of the last {lookback} days "
        f"has its ablation booked, or is {days} days old or less.",
        notes=notes,
    )
    return [first, second]


# --- Stimulator: good trials with no implant ----------------------------------------------------


def _trial_table(scs: ScsStages | None, today: dt.date, limit: int | None) -> Table:
    lookback = settings.DASHBOARD_STUCK_LOOKBACK_DAYS
    trials: list[Appointment] = []
    if scs is not None:
        after = Appointment.objects.filter(
            FOR_PATIENT,
            procedure_type_id__in=(scs.trial_id, scs.implant_id),
            status__in=ACTIVE_STATUSES,
            start__gt=OuterRef("start"),
        )
        trials = list(
            _oldest_first(
                Appointment.objects.filter(
                    procedure_type_id=scs.trial_id,
                    status=Status.COMPLETED,
                    relief_percent__gte=scs.min_relief,
                    start__gte=_since(today),
                    start__lt=_done_before(today, scs.within_days),
                ).filter(~Exists(after))
            )
        )
    relief = f"{scs.min_relief}%" if scs else "the rule's relief"
    days = scs.within_days if scs else 0
    implant_code = scs.implant_code if scs else ""
    return Table(
        slug="stuck-trial",
        title="Good stimulator trial, no implant booked",
        definition=f"A stimulator trial done here that gave at least {relief} relief, started "
        f"more than {days} days ago (in the last {lookback} days), with no implant or new "
        "trial booked or done since for that patient.",
        columns=_columns("Trial on"),
        rows=[
            _row(case, today, next="Book the implant", book_url=_book_url(case, implant_code))
            for case in trials[:limit]
        ],
        total_rows=len(trials) if limit is not None else None,
        empty=f"No one is waiting: every good trial of the last {lookback} days has its "
        f"implant booked, or started {days} days ago or less.",
        notes=() if scs else ("The default rule set has no active stimulator pathway rule.",),
    )


# --- Cancelled because something was not ready --------------------------------------------------


def _cancelled_table(today: dt.date, limit: int | None) -> Table:
    """The causes are the ones the cancellations table calls preventable (hold, checklist,
    authorization): each is a preparation that failed while the patient still needs the case."""
    lookback = settings.DASHBOARD_STUCK_LOOKBACK_DAYS
    booked_since = Appointment.objects.filter(
        FOR_PATIENT, status__in=ACTIVE_STATUSES, created_at__gt=OuterRef("cancelled_at")
    )
    # One row a patient: their latest such cancellation.
    later = Appointment.objects.filter(
        FOR_PATIENT, cancel_cause__in=PREVENTABLE, cancelled_at__gt=OuterRef("cancelled_at")
    )
    cases = (
        Appointment.objects.filter(
            status=Status.CANCELLED,
            cancel_cause__in=PREVENTABLE,
            cancelled_at__gte=_since(today),
        )
        .filter(~Exists(booked_since), ~Exists(later))
        .select_related("patient", "procedure_type")
        .order_by("cancelled_at", "pk")
    )
    waiting = list(cases)
    rows = []
    for case in waiting[:limit]:
        assert case.cancelled_at is not None  # the query asked for cancelled_at >= a day
        cancelled_on = local_date(case.cancelled_at)
        rows.append(
            {
                **_row(case, today),
                "day": cancelled_on,
                "waiting": (today - cancelled_on).days,
                "cause": case.get_cancel_cause_display(),
                "next": "Book it again",
                "book_url": _book_url(case, case.procedure_type.code),
            }
        )
    return Table(
        slug="stuck-cancelled",
        title="Cancelled for a hold, checklist or authorization, not booked again",
        definition="A case cancelled because the blood-thinner hold was not met, the checklist "
        "was incomplete or the prior authorization was missing (in the last "
        f"{lookback} days), and no case booked for that patient since; one row a patient, "
        "their latest such cancellation.",
        columns=(
            Column("patient", "Patient", link_key="patient_url"),
            Column("mrn", "MRN"),
            Column("procedure", "Procedure"),
            Column("place", "Region and side"),
            Column("day", "Cancelled on", "date"),
            Column("cause", "Why"),
            Column("waiting", "Days waiting", "days"),
            Column("next", "Next step", link_key="book_url"),
        ),
        rows=rows,
        total_rows=len(waiting) if limit is not None else None,
        empty=f"No one is waiting: every such cancellation of the last {lookback} days was "
        "followed by a new booking.",
    )


def stuck_lists(today: dt.date, limit: int | None = None) -> list[Table]:
    """The four lists, longest waiting first, as of `today` (a clinic date); with `limit`,
    each holds its first rows only (the page's), and says how many there are."""
    rules = default_pathways()
    return [
        *_facet_tables(rules.facet, today, limit),
        _trial_table(rules.scs, today, limit),
        _cancelled_table(today, limit),
    ]
