"""The manager's dashboard (`/dashboard/`) and its CSV exports.

Everything the page shows is in its URL (`?from=&to=&provider=&room=&procedure=&payer=`), so a
view can be bookmarked and shared. Each measure is a `Table` from `scheduling.dashboard`; the
page draws a chart from it, shows its rows beside the chart and links the same rows as CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from clinic.models import Payer, Provider, Room
from clinic.permissions import MANAGERS
from clinic.read_audit import shown
from procedures.models import ProcedureType
from scheduling.dashboard.charts import Chart, Series, bar_chart, column_chart
from scheduling.dashboard.filters import Filters
from scheduling.dashboard.registry import EXPORTS, Dashboard, dashboard
from scheduling.dashboard.tables import Column, Table
from scheduling.pages.common import render_page, role_required
from scheduling.pages.dashboard_reads import patients_in_export, patients_on_page
from scheduling.pages.fields import ClinicDateField

TEMPLATE = "scheduling/dashboard/dashboard.html"
SCROLL_AFTER_ROWS = 14


class DashboardQuery(forms.Form):
    """The filters; `from` is a Python keyword, so the date fields are added by name."""

    provider = forms.ModelChoiceField(
        Provider.objects.order_by("name"), required=False, empty_label="All providers"
    )
    room = forms.ModelChoiceField(
        Room.objects.select_related("site").order_by("site__name", "name"),
        required=False,
        empty_label="All rooms",
    )
    procedure = forms.ModelChoiceField(
        ProcedureType.objects.order_by("name"), required=False, empty_label="All procedures"
    )
    payer = forms.ModelChoiceField(
        Payer.objects.order_by("name"), required=False, empty_label="All payers"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = Filters.default()
        self.fields = {
            "from": ClinicDateField(label="From", required=False, initial=default.first),
            "to": ClinicDateField(label="To", required=False, initial=default.last),
            **self.fields,
        }
        self.fields["from"].widget.input_type = "date"  # type: ignore[attr-defined]
        self.fields["to"].widget.input_type = "date"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default = Filters.default()
        first = data.get("from") or default.first
        last = data.get("to") or default.last
        if "from" in self.errors or "to" in self.errors:
            return data
        if first > last:
            self.add_error("to", "The end of the range comes before its start.")
        elif (last - first).days + 1 > settings.DASHBOARD_MAX_DAYS:
            self.add_error(
                "to",
                f"Choose a range of at most {settings.DASHBOARD_MAX_DAYS} days "
                f"(this one has {(last - first).days + 1}).",
            )
        data["from"], data["to"] = first, last
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            first=data["from"],
            last=data["to"],
            provider_id=data["provider"].pk if data.get("provider") else None,
            room_id=data["room"].pk if data.get("room") else None,
            procedure_id=data["procedure"].pk if data.get("procedure") else None,
            payer_id=data["payer"].pk if data.get("payer") else None,
        )


@dataclass(frozen=True)
class Measure:
    """One table on the page, with its chart (if any) and its CSV link."""

    table: Table
    chart: Chart | None
    csv_url: str

    @property
    def wide(self) -> bool:
        """A table of many columns goes under its chart rather than beside it."""
        return len(self.table.columns) > 4

    @property
    def scrolls(self) -> bool:
        """A long table (a day per row over months) scrolls in a box of its own, which must
        then be reachable by keyboard."""
        return len(self.table.rows) > SCROLL_AFTER_ROWS


def _percent_bars(table: Table, label: str = "Share") -> Chart:
    return bar_chart(table, label_key="name", series=[Series("percent", label)], unit="percent")


def _without_total(table: Table) -> Table:
    """The kind-by-channel rows only (the chart draws each; the table adds a total)."""
    return replace(
        table,
        columns=(Column("name", "Reminders"), *table.columns),
        rows=[row for row in table.rows if not row.get("total")],
    )


def _charts(board: Dashboard) -> dict[str, Chart]:
    return {
        "rooms": _percent_bars(board.rooms, "Utilisation"),
        "providers": _percent_bars(board.providers, "Utilisation"),
        "days": column_chart(
            board.days, label_key="day", series=Series("percent", "Utilisation"), unit="percent"
        ),
        "volume": bar_chart(
            board.volume,
            label_key="name",
            series=[
                Series("done", "Done"),
                Series("booked", "Booked"),
                Series("cancelled", "Cancelled"),
                Series("no_show", "No-show"),
            ],
        ),
        "first_cases": _percent_bars(board.first_cases, "On time"),
        "turnover": bar_chart(
            board.turnover,
            label_key="name",
            series=[Series("median", "Median turnover")],
            unit="minutes",
        ),
        "access": bar_chart(
            board.access,
            label_key="name",
            series=[Series("third_days", "Days to the third next available slot")],
            unit="days",
        ),
        "cancellations": bar_chart(
            board.cancellations,
            label_key="name",
            series=[Series("same_day", "Same day"), Series("earlier", "Earlier")],
        ),
        "no_shows": _percent_bars(board.no_shows, "No-show rate"),
        "pathways": bar_chart(
            board.pathways,
            label_key="stage",
            series=[Series("percent", "Went on")],
            unit="percent",
        ),
        "delivery": bar_chart(
            _without_total(board.delivery),
            label_key="name",
            series=[
                Series("sent", "Sent"),
                Series("pending", "Pending"),
                Series("failed", "Failed"),
            ],
        ),
    }


def _measures(board: Dashboard, filters: Filters) -> dict[str, Measure]:
    charts = _charts(board)
    query = filters.query()
    return {
        name: Measure(
            table=table,
            chart=charts.get(name),
            csv_url=f"{reverse('dashboard-export', args=[table.slug])}?{query}",
        )
        for name, table in vars(board).items()
    }


def _headlines(board: Dashboard) -> list[tuple[str, str]]:
    """The few figures a manager reads first, taken from the tables below them."""
    booked = sum(float(r["booked_hours"]) for r in board.rooms.rows)
    opened = sum(float(r["open_hours"]) for r in board.rooms.rows)
    done = sum(int(r["done"]) for r in board.volume.rows)
    same_day = sum(int(r["same_day"]) for r in board.cancellations.rows)
    reached = sum(int(r["cases"]) for r in board.no_shows.rows)
    missed = sum(int(r["no_shows"]) for r in board.no_shows.rows)
    failed = sum(int(r["failed"]) for r in board.delivery.rows if not r.get("total"))
    return [
        ("Room utilisation", f"{100 * booked / opened:.0f}%" if opened else "—"),
        ("Cases done", f"{done:,}"),
        ("Cancelled on the day", f"{same_day:,}"),
        ("No-show rate", f"{100 * missed / reached:.0f}%" if reached else "—"),
        ("Reminders failed", f"{failed:,}"),
        (
            f"Cases in the next {settings.DASHBOARD_AUTH_WORKING_DAYS} clinic days without "
            "an approved authorization",
            f"{board.pipeline.count:,}",
        ),
    ]


@role_required(MANAGERS)
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    form, filters = _read_filters(request)
    if filters is None:
        return render_page(request, TEMPLATE, {"form": form, **_defaults()}, status=400)
    board = dashboard(filters)
    shown(request, patients_on_page(list(vars(board).values())))
    return render_page(
        request,
        TEMPLATE,
        {
            "form": form,
            "filters": filters,
            "measures": _measures(board, filters),
            "headlines": _headlines(board),
            **_defaults(),
        },
    )


def _defaults() -> dict[str, int]:
    return {
        "default_past_days": settings.DASHBOARD_PAST_DAYS,
        "default_future_days": settings.DASHBOARD_FUTURE_DAYS,
    }


def _read_filters(request: HttpRequest) -> tuple[DashboardQuery, Filters | None]:
    """The filters of the URL (the defaults without any), or None when one is refused; an
    unbound form shows the default dates as its fields' initial values."""
    if not request.GET:
        return DashboardQuery(), Filters.default()
    form = DashboardQuery(request.GET)
    return form, form.filters() if form.is_valid() else None


@role_required(MANAGERS)
@require_GET
def dashboard_export(request: HttpRequest, slug: str) -> HttpResponse:
    measure = EXPORTS.get(slug)
    if measure is None:
        raise Http404("No such table.")
    form, filters = _read_filters(request)
    if filters is None:
        errors = "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    table = measure(filters)
    shown(request, patients_in_export(table))
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-{filters.first:%Y%m%d}-{filters.last:%Y%m%d}.csv"'
    )
    return response


urlpatterns = [
    path("dashboard/", dashboard_page, name="dashboard"),
    path("dashboard/export/<slug:slug>.csv", dashboard_export, name="dashboard-export"),
]
