"""The patients a dashboard table shows, for the read audit (clinic.read_audit).

The dashboard's lists (stuck patients, authorizations, reminder failures, overrides) name a
patient in a column that links to the patient page; the row carries that link, built from
the patient's id. The id is read back from the link: no query, and no list can name a
patient without the audit hearing of it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.urls import reverse

from scheduling.dashboard.tables import LIST_ROWS_SHOWN, Table

PATIENT_LINK = "patient_url"


@functools.cache
def _patient_path() -> re.Pattern[str]:
    # "/patients/4242/" -> r"/patients/(\d+)/": the page's own route, however it is mounted.
    before, _, after = reverse("patient", args=[4242]).partition("4242")
    return re.compile(re.escape(before) + r"(\d+)" + re.escape(after))


def _patient_ids(rows: Iterable[dict[str, Any]]) -> list[int]:
    found = []
    for row in rows:
        match = _patient_path().fullmatch(str(row.get(PATIENT_LINK) or ""))
        if match:
            found.append(int(match.group(1)))
    return found


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
