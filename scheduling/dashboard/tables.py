"""A measure's result: named columns, rows, and the sentence that says how it is counted.

One shape for the page's tables, the charts drawn from them and the CSV exports, so the
three can never disagree about a number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Kind = Literal["text", "count", "percent", "minutes", "days", "date", "datetime", "hours"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = "text"
    # A row key holding a URL: the cell links there on the page (the CSV writes the text).
    link_key: str | None = None


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    numeric: bool = False


LIST_ROWS_SHOWN = 50

NUMERIC: frozenset[Kind] = frozenset({"count", "percent", "minutes", "days", "hours"})


@dataclass(frozen=True)
class Table:
    slug: str  # the CSV's name: /dashboard/export/<slug>.csv
    title: str
    definition: str  # "How is this counted": one or two plain sentences
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    empty: str = "Nothing in this range."
    notes: Sequence[str] = field(default_factory=tuple)
    # Set when a list was read only in part (the page's first rows): how many there are.
    total_rows: int | None = None

    @property
    def count(self) -> int:
        return self.total_rows if self.total_rows is not None else len(self.rows)

    def cell(self, row: dict[str, Any], column: Column) -> Cell:
        return Cell(
            text=format_value(row.get(column.key), column.kind),
            href=row.get(column.link_key) if column.link_key else None,
            numeric=column.kind in NUMERIC,
        )

    @property
    def is_list(self) -> bool:
        """A list of people or cases (its cells link to them), rather than a summary."""
        return any(column.link_key for column in self.columns)

    def page_cells(self) -> list[list[Cell]]:
        """What a page shows: every row of a summary; the first LIST_ROWS_SHOWN of a list
        (a page of hundreds of names is read by nobody; the CSV holds them all)."""
        rows = self.rows[:LIST_ROWS_SHOWN] if self.is_list else self.rows
        return [[self.cell(row, column) for column in self.columns] for row in rows]

    def body_html(self) -> SafeString:
        """The page's `<tbody>` rows: the first cell a row header, numbers right-aligned,
        links where a column has them. Built here rather than in a template loop: a year's
        tables are thousands of cells, and this is several times faster."""
        lines = []
        for cells in self.page_cells():
            parts = []
            for index, cell in enumerate(cells):
                text: str = escape(cell.text)
                if cell.href:
                    text = f'<a href="{escape(cell.href)}">{text}</a>'
                if index == 0:
                    parts.append(f'<th scope="row">{text}</th>')
                else:
                    parts.append(
                        f'<td class="num">{text}</td>' if cell.numeric else f"<td>{text}</td>"
                    )
            lines.append("<tr>" + "".join(parts) + "</tr>")
        return mark_safe("\n".join(lines))  # every part escaped above

    @property
    def rows_shown(self) -> int:
        return self.count - self.rows_not_shown

    @property
    def rows_not_shown(self) -> int:
        if self.total_rows is not None:
            return self.total_rows - len(self.rows)
        return max(len(self.rows) - LIST_ROWS_SHOWN, 0) if self.is_list else 0

    def csv(self) -> str:
        """The same rows as the page, one header line of the page's column labels."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.label for c in self.columns])
        for row in self.rows:
            writer.writerow([csv_value(row.get(c.key), c.kind) for c in self.columns])
        return out.getvalue()


def format_value(value: Any, kind: Kind) -> str:
    """A cell as the page shows it: "72%", "18 min", "Tue 3 Nov 2026", "—" when unknown."""
    if value is None or value == "":
        return "—"
    match kind:
        case "percent":
            # One decimal where it says something: "12.5%", "100%".
            return f"{value:.1f}".removesuffix(".0") + "%"
        case "minutes":
            return f"{value:.0f} min"
        case "hours":
            return f"{value:.1f} h"
        case "days":
            return f"{value:.0f} day" + ("" if round(value) == 1 else "s")
        case "count":
            return f"{value:,}"
        case "date":
            return f"{value:%a} {value.day} {value:%b %Y}"
        case "datetime":
            return f"{value:%a} {value.day} {value:%b %Y %H:%M}"
    return str(value)


def csv_value(value: Any, kind: Kind) -> str:
    """A cell for a spreadsheet: plain numbers (one decimal at most), ISO dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
