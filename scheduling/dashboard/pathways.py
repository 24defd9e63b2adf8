"""Pathway conversion: how many first blocks lead to a second, second blocks to an ablation,
and stimulator trials to an implant, and how many days each step takes.

Which procedures are blocks, the ablation, the trial and the implant is read from the clinic's
default rule set (its active facet and stimulator pathway rules), as booking reads them. A
place is a patient's recorded region and side: "lumbar bilateral" is a place of its own, not
left plus right, so a bilateral block followed by a right one starts two pathways. The
stimulator pathway is the patient's, whatever the region, as the implant rule reads it.

Counts and medians come from one aggregate query per pathway: the first case of each place
is found with NOT EXISTS, the next stage with a correlated subquery (the appointment index
on patient and start serves both), and nothing is read row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from procedures.models import FacetPathwayRule, ScsPathwayRule
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.sql import DaysBetween, Median, local_day
from scheduling.dashboard.tables import Column, Table
from scheduling.models import Appointment, Status

BOOKED = (Status.SCHEDULED, Status.CHECKED_IN)  # booked and not yet done
AT_PLACE = Q(patient=OuterRef("patient"), region=OuterRef("region"), side=OuterRef("side"))
FOR_PATIENT = Q(patient=OuterRef("patient"))


@dataclass(frozen=True)
class FacetStages:
    block_ids: tuple[int, ...]
    block_codes: tuple[str, ...]
    ablation_id: int
    ablation_code: str
    min_relief: int  # a block with this much relief or more is positive
    within_days: int  # the next block or the ablation is expected this many days later


@dataclass(frozen=True)
class ScsStages:
    trial_id: int
    trial_code: str
    implant_id: int
    implant_code: str
    min_relief: int
    within_days: int  # the implant is expected this many days after a good trial


@dataclass(frozen=True)
class DefaultPathways:
    """The default rule set's pathway rules, as the dashboard reads them (None: no such rule)."""

    facet: FacetStages | None
    scs: ScsStages | None


def default_pathways() -> DefaultPathways:
    """The first active facet and stimulator rules of the default rule set (three queries).

    The clinic has one of each per set; a second active one would be a configuration the
    booking rules would also apply, but the dashboard follows the first.
    """
    facet_rule = (
        FacetPathwayRule.objects.filter(rule_set__is_default=True, active=True)
        .select_related("ablation_procedure")
        .prefetch_related("block_procedures")
        .order_by("pk")
        .first()
    )
    scs_rule = (
        ScsPathwayRule.objects.filter(rule_set__is_default=True, active=True)
        .select_related("trial_procedure", "implant_procedure")
        .order_by("pk")
        .first()
    )
    facet = None
    if facet_rule is not None:
        blocks = sorted(facet_rule.block_procedures.all(), key=lambda p: p.code)
        facet = FacetStages(
            block_ids=tuple(p.pk for p in blocks),
            block_codes=tuple(p.code for p in blocks),
            ablation_id=facet_rule.ablation_procedure_id,
            ablation_code=facet_rule.ablation_procedure.code,
            min_relief=facet_rule.block_min_relief_percent,
            within_days=facet_rule.next_stage_within_days,
        )
    scs = None
    if scs_rule is not None:
        scs = ScsStages(
            trial_id=scs_rule.trial_procedure_id,
            trial_code=scs_rule.trial_procedure.code,
            implant_id=scs_rule.implant_procedure_id,
            implant_code=scs_rule.implant_procedure.code,
            min_relief=scs_rule.trial_min_relief_percent,
            within_days=scs_rule.implant_within_days,
        )
    return DefaultPathways(facet, scs)


def _cases(ids: tuple[int, ...], statuses: tuple[str, ...]) -> QuerySet[Appointment]:
    return Appointment.objects.filter(procedure_type_id__in=ids, status__in=statuses)


def _next_done(ids: tuple[int, ...], where: Q) -> Subquery:
    """The start of the first completed case of `ids` at the outer row's place (or patient) on
    a clinic day after the outer row's: a case the same day is the same stage."""
    return Subquery(
        _cases(ids, (Status.COMPLETED,))
        .annotate(day=local_day("start"))
        # `start` after the outer case's, implied by the later day, lets the index on
        # (patient, procedure, start) start there instead of at the patient's first case.
        .filter(where, start__gt=OuterRef("start"), day__gt=OuterRef("first_day"))
        .order_by("start")
        .values("start")[:1]
    )


def _next_booked(ids: tuple[int, ...], where: Q) -> Exists:
    """Whether a case of `ids` is booked (not yet done) there after the outer row's day."""
    return Exists(
        _cases(ids, BOOKED)
        .annotate(day=local_day("start"))
        .filter(where, start__gt=OuterRef("start"), day__gt=OuterRef("first_day"))
    )


def _first_cases(filters: Filters, ids: tuple[int, ...], where: Q) -> QuerySet[Appointment]:
    """Each place's (or patient's) first completed case of `ids`, when it falls in the range."""
    start, end = filters.bounds
    done = _cases(ids, (Status.COMPLETED,))
    # "No earlier case there" as a LIMIT 1 subquery rather than NOT EXISTS: PostgreSQL turns
    # NOT EXISTS into a hash anti-join over every completed case of the kind (a year's
    # range: 0.15 s at a million cases), where a probe per case of the range on the
    # (patient, procedure, start) index takes a few milliseconds.
    earlier = done.filter(where, start__lt=OuterRef("start")).values("pk")[:1]
    return (
        done.filter(filters.case_filter(), start__gte=start, start__lt=end)
        .alias(earlier=Subquery(earlier))
        .filter(earlier__isnull=True)
        .annotate(first_day=local_day("start"))
    )


def _row(stage: str, started: int, went_on: int, booked: int, days: float | None) -> dict:
    return {
        "stage": stage,
        "started": started,
        "went_on": went_on,
        "booked": booked,
        "percent": round(100 * went_on / started, 1) if started else None,
        "median_days": days,
    }


def _facet_rows(filters: Filters, facet: FacetStages) -> list[dict[str, Any]]:
    ablation = (facet.ablation_id,)
    # The ablation is looked for after the first block, not the second: booking refuses one
    # without two positive blocks, so it comes after the second, and the query stays one level
    # deep (a subquery inside another's would be computed again for every row).
    found = (
        _first_cases(filters, facet.block_ids, AT_PLACE)
        .annotate(
            second_start=_next_done(facet.block_ids, AT_PLACE),
            second_booked=_next_booked(facet.block_ids, AT_PLACE),
            ablation_start=_next_done(ablation, AT_PLACE),
            ablation_booked=_next_booked(ablation, AT_PLACE),
        )
        .aggregate(
            started=Count("pk"),
            second=Count("pk", filter=Q(second_start__isnull=False)),
            # An aggregate named like an annotation would replace it: "_pending", not "_booked".
            second_pending=Count("pk", filter=Q(second_start__isnull=True, second_booked=True)),
            second_days=Median(DaysBetween(local_day("second_start"), "first_day")),
            ablation=Count(
                "pk", filter=Q(second_start__isnull=False, ablation_start__isnull=False)
            ),
            ablation_pending=Count(
                "pk",
                filter=Q(
                    second_start__isnull=False, ablation_start__isnull=True, ablation_booked=True
                ),
            ),
            # Null without a second block (or an ablation), and a median skips nulls.
            ablation_days=Median(
                DaysBetween(local_day("ablation_start"), local_day("second_start"))
            ),
        )
    )
    return [
        _row(
            "First block → second block",
            found["started"],
            found["second"],
            found["second_pending"],
            found["second_days"],
        ),
        _row(
            "Second block → ablation",
            found["second"],
            found["ablation"],
            found["ablation_pending"],
            found["ablation_days"],
        ),
    ]


def _scs_row(filters: Filters, scs: ScsStages) -> dict[str, Any]:
    implant = (scs.implant_id,)
    found = (
        _first_cases(filters, (scs.trial_id,), FOR_PATIENT)
        .annotate(
            implant_start=_next_done(implant, FOR_PATIENT),
            implant_booked=_next_booked(implant, FOR_PATIENT),
        )
        .aggregate(
            started=Count("pk"),
            implant=Count("pk", filter=Q(implant_start__isnull=False)),
            pending=Count("pk", filter=Q(implant_start__isnull=True, implant_booked=True)),
            days=Median(DaysBetween(local_day("implant_start"), "first_day")),
        )
    )
    return _row(
        "Stimulator trial → implant",
        found["started"],
        found["implant"],
        found["pending"],
        found["days"],
    )


def pathway_conversion(filters: Filters) -> Table:
    rules = default_pathways()
    rows: list[dict[str, Any]] = []
    notes = []
    if rules.facet is not None:
        rows += _facet_rows(filters, rules.facet)
        blocks = ", ".join(rules.facet.block_codes)
        notes.append(f"Blocks: {blocks}; ablation: {rules.facet.ablation_code} (default rules).")
    else:
        notes.append("The default rule set has no active facet pathway rule.")
    if rules.scs is not None:
        rows.append(_scs_row(filters, rules.scs))
        notes.append(
            f"Trial: {rules.scs.trial_code}; implant: {rules.scs.implant_code} (default rules)."
        )
    else:
        notes.append("The default rule set has no active stimulator pathway rule.")
    return Table(
        slug="pathway-conversion",
        title="Pathway conversion",
        definition="Each patient's region and side (both sides is a side of its own) counts "
        "once, from its first diagnostic block done here, if that block is in the range and "
        "matches the filters; each patient's first stimulator trial likewise. 'Went on': the "
        "next stage was done here on a later day, at any date since; 'booked, not yet done': "
        "it is booked but not done yet. Median days are between the two stages' dates, for "
        "those who went on.",
        columns=(
            Column("stage", "Stage"),
            Column("started", "Started", "count"),
            Column("went_on", "Went on", "count"),
            Column("percent", "Went on (share)", "percent"),
            Column("booked", "Booked, not yet done", "count"),
            Column("median_days", "Median days between", "days"),
        ),
        rows=rows,
        notes=tuple(notes),
    )
