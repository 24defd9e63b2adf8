"""Every table the dashboard shows, by the slug of its CSV export.

The page computes them all at once (`dashboard`); an export computes only the one asked for
(`EXPORTS`), with the same function, so the file holds exactly the rows on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from scheduling.dashboard.access import access
from scheduling.dashboard.cancellations import cancellations_by_cause, no_shows_by_lead_time
from scheduling.dashboard.cases import first_case_on_time, turnover, volume_by_procedure
from scheduling.dashboard.delivery import reminder_delivery, reminder_failures
from scheduling.dashboard.exceptions import (
    authorization_pipeline,
    authorizations_expiring,
    cases_flagged,
    checklist_overrides,
)
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.pathways import pathway_conversion
from scheduling.dashboard.stuck import stuck_lists
from scheduling.dashboard.tables import LIST_ROWS_SHOWN, Table
from scheduling.dashboard.utilisation import utilisation


@dataclass(frozen=True)
class Dashboard:
    rooms: Table
    providers: Table
    days: Table
    volume: Table
    first_cases: Table
    turnover: Table
    access: Table
    pipeline: Table
    cancellations: Table
    no_shows: Table
    pathways: Table
    delivery: Table
    failures: Table
    overrides: Table
    expiring: Table
    flagged: Table


def dashboard(filters: Filters) -> Dashboard:
    """Every table of the page; its lists read only the rows the page shows (and how many
    there are), the exports read them whole."""
    used = utilisation(filters)
    shown = LIST_ROWS_SHOWN
    return Dashboard(
        rooms=used.by_room,
        providers=used.by_provider,
        days=used.by_day,
        volume=volume_by_procedure(filters),
        first_cases=first_case_on_time(filters),
        turnover=turnover(filters),
        access=access(filters),
        pipeline=authorization_pipeline(filters, limit=shown),
        cancellations=cancellations_by_cause(filters),
        no_shows=no_shows_by_lead_time(filters),
        pathways=pathway_conversion(filters),
        delivery=reminder_delivery(filters),
        failures=reminder_failures(filters, limit=shown),
        overrides=checklist_overrides(filters, limit=shown),
        expiring=authorizations_expiring(filters, limit=shown),
        flagged=cases_flagged(filters, limit=shown),
    )


def _stuck(slug: str) -> Callable[[Filters], Table]:
    def one(filters: Filters) -> Table:
        return next(t for t in stuck_lists(timezone.localdate()) if t.slug == slug)

    return one


EXPORTS: dict[str, Callable[[Filters], Table]] = {
    "utilisation-rooms": lambda f: utilisation(f).by_room,
    "utilisation-providers": lambda f: utilisation(f).by_provider,
    "utilisation-days": lambda f: utilisation(f).by_day,
    "volume": volume_by_procedure,
    "first-case-on-time": first_case_on_time,
    "turnover": turnover,
    "access": access,
    "authorization-pipeline": authorization_pipeline,
    "cancellations": cancellations_by_cause,
    "no-shows": no_shows_by_lead_time,
    "pathway-conversion": pathway_conversion,
    "reminder-delivery": reminder_delivery,
    "reminder-failures": reminder_failures,
    "checklist-overrides": checklist_overrides,
    "authorizations-expiring": authorizations_expiring,
    "cases-needing-attention": cases_flagged,
    **{
        slug: _stuck(slug)
        for slug in ("stuck-first-block", "stuck-second-block", "stuck-trial", "stuck-cancelled")
    },
}
