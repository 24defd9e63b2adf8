"""Patients stuck in a pathway (`/dashboard/stuck/`): the manager's four call lists.

The lists are `scheduling.dashboard.stuck`'s tables, as of today; each links its rows to the
patient and to the booking page of the next step, and its CSV to the dashboard's export.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clinic.permissions import MANAGERS
from clinic.read_audit import shown
from scheduling.dashboard.stuck import stuck_lists
from scheduling.dashboard.tables import LIST_ROWS_SHOWN, Table
from scheduling.pages.common import render_page, role_required
from scheduling.pages.dashboard_reads import patients_on_page


@dataclass(frozen=True)
class StuckList:
    table: Table
    csv_url: str

    @property
    def count(self) -> int:
        return self.table.count


# The role guard comes first: a refused POST is a 403, as for every page, not a 405.
@role_required(MANAGERS)
@require_GET
def dashboard_stuck(request: HttpRequest) -> HttpResponse:
    lists = [
        StuckList(table, reverse("dashboard-export", args=[table.slug]))
        for table in stuck_lists(timezone.localdate(), limit=LIST_ROWS_SHOWN)
    ]
    shown(request, patients_on_page([item.table for item in lists]))
    return render_page(
        request,
        "scheduling/dashboard/stuck.html",
        {
            "lists": lists,
            "waiting": sum(item.count for item in lists),
            "lookback_days": settings.DASHBOARD_STUCK_LOOKBACK_DAYS,
        },
    )


urlpatterns = [path("dashboard/stuck/", dashboard_stuck, name="dashboard-stuck")]
