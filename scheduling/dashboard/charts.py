"""Charts drawn on the server as SVG from the same `Table` the page shows beside them.

A chart is geometry and words, computed here and laid out by
`scheduling/dashboard/_chart.html`: no script, no inline style (the Content-Security-Policy
allows neither), colours only as the classes `series-1`..`series-4` that
`dashboard-charts.css` paints with the Okabe-Ito colour-blind-safe palette. Each chart
carries a sentence with its numbers (`desc`) for screen readers, and a legend in words when
it stacks several series, so nothing is told by colour alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from scheduling.dashboard.tables import Column, Kind, Table, format_value

Unit = Literal["percent", "count", "days", "minutes"]
Anchor = Literal["start", "middle", "end"]

WIDTH = 640  # viewBox units; the stylesheet shows a chart at most this many CSS pixels wide
CHAR = 7.6  # average width of a character of the 14-unit text, to size margins and labels
MAX_SERIES = 4  # the palette's colours
LIST_LIMIT = 12  # up to this many bars the text alternative reads every one; beyond, a summary
NONE = "—"  # a row without a value: no bar, this mark where it would be


@dataclass(frozen=True)
class Series:
    key: str  # a numeric column of the Table to draw
    label: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str  # series-1..series-4
    title: str  # hover text: "Suite 1, Sent: 12"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    css: str  # label, value, tick, none, or on-series-N for a number inside a segment
    anchor: Anchor = "start"
    title: str = ""  # the whole label when the drawn one is cut short


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str  # grid or axis


@dataclass(frozen=True)
class LegendItem:
    css: str
    label: str


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: "chart-<table slug>"
    kind: Literal["bar", "column"]
    title: str
    desc: str
    width: float
    height: float
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]
    lines: tuple[Line, ...]
    legend: tuple[LegendItem, ...]
    empty: str = ""  # set when there is nothing to draw: the page shows this sentence instead

    @property
    def view_box(self) -> str:
        return f"0 0 {_n(self.width)} {_n(self.height)}"

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    def html(self) -> SafeString:
        """The figure: legend, then the SVG (or the empty sentence). Written here rather than
        in a template loop, which took most of the dashboard's rendering time; the markup is
        well-formed XML, every text escaped, numbers written with a decimal point."""
        e = escape
        out = [f'<figure class="chart chart-{e(self.kind)}" id="{e(self.id)}">']
        if self.legend:
            items = "".join(
                '<li><svg class="chart-swatch" viewBox="0 0 12 12" width="12" height="12" '
                'aria-hidden="true" focusable="false">'
                f'<rect class="{e(item.css)}" width="12" height="12"/></svg> {e(item.label)}</li>'
                for item in self.legend
            )
            out.append(f'<figcaption class="chart-legend"><ul>{items}</ul></figcaption>')
        if self.empty:
            out.append(f'<p class="chart-empty">{e(self.empty)}</p>')
        else:
            lines = "".join(
                f'<line class="{e(line.css)}" x1="{line.x1}" y1="{line.y1}" x2="{line.x2}" '
                f'y2="{line.y2}"/>'
                for line in self.lines
            )
            rects = "".join(
                f'<rect class="{e(r.css)}" x="{r.x}" y="{r.y}" width="{r.width}" '
                f'height="{r.height}"><title>{e(r.title)}</title></rect>'
                for r in self.rects
            )
            texts = "".join(
                f'<text class="{e(t.css)}" x="{t.x}" y="{t.y}" dy="0.35em" '
                f'text-anchor="{e(t.anchor)}">'
                + (f"<title>{e(t.title)}</title>" if t.title else "")
                + f"{e(t.text)}</text>"
                for t in self.texts
            )
            out.append(
                '<div class="chart-frame"><svg xmlns="http://www.w3.org/2000/svg" '
                f'class="chart-svg" viewBox="{self.view_box}" '
                'preserveAspectRatio="xMinYMin meet" role="img" '
                f'aria-labelledby="{e(self.title_id)} {e(self.desc_id)}" focusable="false">'
                f'<title id="{e(self.title_id)}">{e(self.title)}</title>'
                f'<desc id="{e(self.desc_id)}">{e(self.desc)}</desc>'
                f'<g class="chart-lines">{lines}</g><g class="chart-bars">{rects}</g>'
                f'<g class="chart-text">{texts}</g></svg></div>'
            )
        out.append("</figure>")
        return mark_safe("".join(out))  # every text escaped above


def bar_chart(
    table: Table,
    *,
    label_key: str,
    series: Sequence[Series],
    unit: Unit = "count",
    max_value: float | None = None,
    chart_id: str | None = None,
) -> Chart:
    """Horizontal bars, one per row of the table; several series stack left to right.

    Percent charts run 0..100 unless `max_value` says otherwise; a value beyond the limit
    widens the scale rather than being cut off.
    """
    _check(table, label_key, series)
    label_column = _column(table, label_key)
    names = [_fmt(row.get(label_key), label_column.kind) for row in table.rows]
    values = [[_number(row.get(s.key)) for s in series] for row in table.rows]
    totals = [None if all(v is None for v in vs) else sum(v or 0 for v in vs) for vs in values]
    scale, ticks = _scale([t for t in totals if t is not None], unit, max_value)
    stacked = len(series) > 1
    end_labels = [NONE if t is None else _fmt(t, unit) for t in totals]

    label_w = min(max([len(n) for n in names] + [6]) * CHAR, 240.0)
    value_w = max([len(s) for s in end_labels] + [4]) * CHAR + 8
    x0, x1 = 8 + label_w + 8, WIDTH - value_w - 8
    plot_w = x1 - x0
    row_h, bar_h, top = 30.0, 20.0, 8.0
    axis_y = top + row_h * len(table.rows)

    rects: list[Rect] = []
    texts: list[Text] = []
    for i, (name, vs, end) in enumerate(zip(names, values, end_labels, strict=True)):
        y = top + i * row_h + (row_h - bar_h) / 2
        mid = y + bar_h / 2
        drawn, cut = _cut(name, label_w)
        texts.append(Text(x0 - 8, mid, drawn, "label", "end", name if cut else ""))
        x = x0
        for n, (s, v) in enumerate(zip(series, vs, strict=True), start=1):
            if not v:
                continue
            w = v / scale * plot_w
            title = f"{name}, {s.label}: {_fmt(v, unit)}" if stacked else f"{name}: {end}"
            rects.append(Rect(_r(x), _r(y), _r(w), bar_h, f"series-{n}", title))
            inside = _fmt(v, unit)
            if stacked and w >= len(inside) * CHAR + 6:
                texts.append(Text(_r(x + w / 2), mid, inside, f"on-series-{n}", "middle"))
            x += w
        texts.append(Text(_r(x + 6), mid, end, "none" if end == NONE else "value"))

    at = [_r(x0 + t / scale * plot_w) for t in ticks]
    lines = [Line(x, top, x, axis_y, "grid") for x, t in zip(at, ticks, strict=True) if t]
    lines.append(Line(x0, top, x0, axis_y, "axis"))
    texts += [
        Text(x, axis_y + 18, _fmt(t, unit), "tick", "middle")
        for x, t in zip(at, ticks, strict=True)
    ]
    rows = list(zip(names, values, totals, strict=True))
    return Chart(
        id=chart_id or f"chart-{slugify(table.slug)}",
        kind="bar",
        title=table.title,
        desc=_bar_desc(rows, series, unit) if rows else table.empty,
        width=WIDTH,
        height=axis_y + 28,
        rects=tuple(rects),
        texts=tuple(texts),
        lines=tuple(lines),
        legend=tuple(LegendItem(f"series-{n}", s.label) for n, s in enumerate(series, 1))
        if stacked
        else (),
        empty="" if rows else table.empty,
    )


def column_chart(
    table: Table,
    *,
    label_key: str,
    series: Series,
    unit: Unit = "count",
    max_value: float | None = None,
    chart_id: str | None = None,
) -> Chart:
    """Vertical columns in row order, for a measure over time (one per day, up to a year or
    so): thin columns, and only as many axis labels as fit without overlapping."""
    _check(table, label_key, [series])
    label_column = _column(table, label_key)
    keys = [row.get(label_key) for row in table.rows]
    names = [_fmt(k, label_column.kind) for k in keys]
    values = [_number(row.get(series.key)) for row in table.rows]
    scale, ticks = _scale([v for v in values if v is not None], unit, max_value)
    n = len(values)

    height, bottom = 240.0, 32.0
    tick_labels = [_fmt(t, unit) for t in ticks]
    x0 = 8 + max(len(t) for t in tick_labels) * CHAR + 8
    plot_w = WIDTH - 8 - x0
    col_w = plot_w / max(n, 1)
    bar_w = min(col_w * 0.75, 48.0)
    show_values = col_w >= max([len(_fmt(v, unit)) for v in values] + [1]) * CHAR + 4
    top = 26.0 if show_values else 12.0
    base = height - bottom
    plot_h = base - top

    rects: list[Rect] = []
    texts: list[Text] = []
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        centre = x0 + (i + 0.5) * col_w
        if v is None:
            if col_w >= 10:
                texts.append(Text(_r(centre), base - 8, NONE, "none", "middle"))
            continue
        h = v / scale * plot_h
        title = f"{name}: {_fmt(v, unit)}"
        rects.append(
            Rect(_r(centre - bar_w / 2), _r(base - h), _r(bar_w), _r(h), "series-1", title)
        )
        if show_values:
            texts.append(Text(_r(centre), _r(base - h - 8), _fmt(v, unit), "value", "middle"))

    dates = [k for k in keys if isinstance(k, dt.date)]
    with_year = len({d.year for d in dates}) > 1
    short = [_short(k, with_year) for k in keys]
    label_w = max([len(s) for s in short] + [1]) * CHAR
    every = max(1, math.ceil(n / max(1, int(plot_w // (label_w + 16)))))
    lines = [Line(x0, top, x0, base, "axis"), Line(x0, base, WIDTH - 8, base, "axis")]
    # The first label is the first column whose label clears the axis when centred on it.
    first = min(max(0, math.ceil(label_w / 2 / col_w - 0.5)), max(n - 1, 0))
    previous = -math.inf
    for i in range(first, n, every):
        centre = x0 + (i + 0.5) * col_w
        # Kept inside the drawing: the last label would otherwise hang over its edge; one
        # pushed inward may then run into its neighbour, which is left out.
        at = min(max(centre, x0 + label_w / 2), WIDTH - 8 - label_w / 2)
        if at - previous < label_w + 8:
            continue
        previous = at
        lines.append(Line(_r(centre), base, _r(centre), base + 4, "axis"))
        texts.append(Text(_r(at), base + 20, short[i], "tick", "middle"))
    for t, text in zip(ticks, tick_labels, strict=True):
        y = _r(base - t / scale * plot_h)
        if t:
            lines.append(Line(x0, y, WIDTH - 8, y, "grid"))
        texts.append(Text(x0 - 6, y, text, "tick", "end"))

    return Chart(
        id=chart_id or f"chart-{slugify(table.slug)}",
        kind="column",
        title=table.title,
        desc=_column_desc(names, values, unit) if n else table.empty,
        width=WIDTH,
        height=height,
        rects=tuple(rects),
        texts=tuple(texts),
        lines=tuple(lines),
        legend=(),
        empty="" if n else table.empty,
    )


# --- the text alternative -----------------------------------------------------------------


def _bar_desc(
    rows: list[tuple[str, list[float | None], float | None]], series: Sequence[Series], unit: Unit
) -> str:
    """Every bar when there are few ("Suite 1 72%, Suite 2 64%"); else the highest, the
    lowest and the average (stacked: the totals per series)."""

    def one(name: str, vs: list[float | None], total: float | None) -> str:
        if total is None:
            return f"{name} no data"
        if len(series) == 1:
            return f"{name} {_fmt(total, unit)}"
        parts = ", ".join(
            f"{s.label} {_fmt(v or 0, unit)}" for s, v in zip(series, vs, strict=True)
        )
        return f"{name}: {parts}"

    if len(rows) <= LIST_LIMIT:
        return ("; " if len(series) > 1 else ", ").join(one(*row) for row in rows) + "."
    known = [row for row in rows if row[2] is not None]
    sentence = f"{len(rows)} bars"
    if known:
        high = max(known, key=lambda row: row[2] or 0)
        low = min(known, key=lambda row: row[2] or 0)
        word = "total " if len(series) > 1 else ""
        sentence += f": highest {word}{one(*high)}; lowest {word}{one(*low)}"
        if len(series) == 1:
            sentence += f"; average {_fmt(sum(row[2] or 0 for row in known) / len(known), unit)}"
        elif unit == "count":
            sums = (sum(row[1][i] or 0 for row in known) for i in range(len(series)))
            each = ", ".join(
                f"{s.label} {_fmt(t, unit)}" for s, t in zip(series, sums, strict=True)
            )
            sentence += f"; all together {each}"
    if len(known) < len(rows):
        sentence += f"; no data for {len(rows) - len(known)}"
    return sentence + "."


def _column_desc(names: list[str], values: list[float | None], unit: Unit) -> str:
    if len(values) <= LIST_LIMIT:
        return (
            ", ".join(
                f"{name} {NONE if v is None else _fmt(v, unit)}".replace(NONE, "no data")
                for name, v in zip(names, values, strict=True)
            )
            + "."
        )
    sentence = f"From {names[0]} to {names[-1]}"
    known = [(v, name) for name, v in zip(names, values, strict=True) if v is not None]
    if known:
        high = max(known, key=lambda pair: pair[0])
        low = min(known, key=lambda pair: pair[0])
        average = sum(v for v, _ in known) / len(known)
        sentence += (
            f": highest {_fmt(high[0], unit)} ({high[1]}), lowest {_fmt(low[0], unit)} "
            f"({low[1]}), average {_fmt(average, unit)}"
        )
    if len(known) < len(values):
        sentence += f"; no data for {len(values) - len(known)} of {len(values)}"
    return sentence + "."


# --- small helpers ------------------------------------------------------------------------


def _check(table: Table, label_key: str, series: Sequence[Series]) -> None:
    """A chart asked for a column its table lacks is a programming error: say so at once."""
    keys = {c.key for c in table.columns}
    missing = [k for k in [label_key, *(s.key for s in series)] if k not in keys]
    if missing:
        raise ValueError(f"table {table.slug!r} has no column {', '.join(missing)}")
    if not 1 <= len(series) <= MAX_SERIES:
        raise ValueError(f"a chart draws 1 to {MAX_SERIES} series, not {len(series)}")


def _column(table: Table, key: str) -> Column:
    return next(c for c in table.columns if c.key == key)


def _number(value: Any) -> float | None:
    # Aggregates come back as int, float or Decimal depending on the database; a negative
    # value has no bar to draw.
    return None if value is None or value == "" else max(float(value), 0.0)


def _fmt(value: Any, kind: Kind) -> str:
    if kind == "count" and isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_value(value, kind)


def _short(value: Any, with_year: bool) -> str:
    """An axis label: "3 Nov" for a day ("3 Nov 2026" when the days span two years), the
    value itself otherwise."""
    if isinstance(value, dt.date):
        return f"{value.day} {value:%b}" + (f" {value.year}" if with_year else "")
    return "" if value is None else str(value)


def _cut(text: str, width: float) -> tuple[str, bool]:
    """The label as it fits in `width`, ending in "…" when cut."""
    fits = int(width / CHAR + 1e-6)
    return (text, False) if len(text) <= fits else (text[: max(fits - 1, 1)] + "…", True)


def _scale(values: list[float], unit: Unit, max_value: float | None) -> tuple[float, list[float]]:
    """The value at the far end of the axis, and the ticks to mark on it."""
    limit = max_value if max_value is not None else (100.0 if unit == "percent" else None)
    highest = max(values, default=0.0)
    if limit is None or highest > limit:
        step = _step(highest or 1.0)
        end = step * math.ceil(highest / step - 1e-9) if highest else step * 4
        return end, [step * i for i in range(round(end / step) + 1)]
    step = _step(limit)
    return limit, [step * i for i in range(int(limit / step + 1e-9) + 1)]


def _step(top: float) -> float:
    """A round step giving about four intervals: 1, 2 or 5 times a power of ten, or 25, 250...
    Never under 1, for every unit is shown in whole numbers."""
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    steps = (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 5, 10)
    return float(max(next(m * power for m in steps if m * power >= raw - 1e-9), 1))


def _r(value: float) -> float:
    return round(value, 2)


def _n(value: float) -> str:
    return f"{value:g}"
