"""The patients a dashboard table shows, for the read audit (clinic.read_audit).

The dashboard's lists (stuck patients, authorizations, reminder failures, overrides) name a
patient in a column that links to the patient page; each such row carries the patient's id
beside the link, so the audit hears of every patient shown without a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scheduling.dashboard.tables import LIST_ROWS_SHOWN, Table

PATIENT_LINK = "patient_url"


def _patient_ids(rows: Iterable[dict[str, Any]]) -> list[int]:
    return [row["patient_id"] for row in rows if row.get("patient_id") is not None]


def names_patients(table: Table) -> bool:
    return any(column.link_key == PATIENT_LINK for column in table.columns)


def patients_on_page(tables: Sequence[Table]) -> list[int]:
    """The patients in the rows the page shows: a list's first LIST_ROWS_SHOWN, as
    `Table.page_cells` draws them."""
    found: list[int] = []
    for table in tables:
        if names_patients(table):
            rows = table.rows[:LIST_ROWS_SHOWN] if table.is_list else table.rows
            found += _patient_ids(rows)
    return found


def patients_in_export(table: Table) -> list[int]:
    """The patients of every row of a CSV export."""
    return _patient_ids(table.rows) if names_patients(table) else []
