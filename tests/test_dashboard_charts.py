"""The dashboard's SVG charts: geometry from hand-made tables, the sentence that states the
numbers, markup the Content-Security-Policy accepts, colours a colour-blind reader can tell
apart, and axe-core in real Chromium."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from scheduling.dashboard.charts import Chart, Rect, Series, Text, bar_chart, column_chart
from scheduling.dashboard.tables import Column, Table
from tests.browser import assert_accessible

pytest_plugins = ["tests.browser"]

SVG = "{http://www.w3.org/2000/svg}"
STATIC = Path(__file__).resolve().parent.parent / "scheduling" / "static" / "scheduling"
OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}

ROOM = Column("room", "Room")
BOOKED = Column("booked", "Booked", "percent")
DAY = Column("day", "Day", "date")


def rooms(*rows: tuple[str, float | None], slug: str = "utilisation-by-room") -> Table:
    return Table(
        slug=slug,
        title="Utilisation by room",
        definition="Booked minutes over open minutes.",
        columns=(ROOM, BOOKED),
        rows=[{"room": room, "booked": booked} for room, booked in rows],
    )


def utilisation(table: Table, **options: Any) -> Chart:
    return bar_chart(table, label_key="room", series=[Series("booked", "Booked")], **options)


def reminders(*rows: tuple[str, int | None, int | None, int | None]) -> Chart:
    table = Table(
        slug="reminder-delivery",
        title="Reminder delivery",
        definition="Reminders due in the range, by what became of them.",
        columns=(
            Column("kind", "Kind"),
            Column("sent", "Sent", "count"),
            Column("pending", "Pending", "count"),
            Column("failed", "Failed", "count"),
        ),
        rows=[{"kind": k, "sent": s, "pending": p, "failed": f} for k, s, p, f in rows],
    )
    return bar_chart(
        table,
        label_key="kind",
        series=[Series("sent", "Sent"), Series("pending", "Pending"), Series("failed", "Failed")],
    )


def days(values: list[float | None], first: dt.date = dt.date(2026, 11, 2)) -> Chart:
    table = Table(
        slug="utilisation-per-day",
        title="Utilisation per day",
        definition="Booked minutes over open minutes, day by day.",
        columns=(DAY, BOOKED),
        rows=[{"day": first + dt.timedelta(i), "booked": v} for i, v in enumerate(values)],
    )
    return column_chart(table, label_key="day", series=Series("booked", "Booked"), unit="percent")


def bars_of(chart: Chart, name: str) -> list[Rect]:
    return [
        r for r in chart.rects if r.title.startswith(f"{name}:") or r.title.startswith(name + ",")
    ]


def tick_x(chart: Chart, label: str) -> float:
    (tick,) = [t for t in chart.texts if t.css == "tick" and t.text == label]
    return tick.x


def texts(chart: Chart, css: str) -> list[Text]:
    return [t for t in chart.texts if t.css == css]


def render(*charts: Chart) -> str:
    return "".join(
        render_to_string("scheduling/dashboard/_chart.html", {"chart": c}) for c in charts
    )


# --- geometry -----------------------------------------------------------------------------


def test_a_50_percent_bar_is_half_as_long_as_a_100_percent_one_and_ends_at_the_50_percent_tick():
    chart = utilisation(rooms(("Suite 1", 100), ("Suite 2", 50), ("Exam 1", 25)), unit="percent")

    (full,), (half,), (quarter,) = (bars_of(chart, n) for n in ("Suite 1", "Suite 2", "Exam 1"))
    assert half.width == pytest.approx(full.width / 2, abs=0.02)
    assert quarter.width == pytest.approx(full.width / 4, abs=0.02)
    assert full.x == half.x == quarter.x == tick_x(chart, "0%")
    assert half.x + half.width == pytest.approx(tick_x(chart, "50%"), abs=0.02)
    assert full.x + full.width == pytest.approx(tick_x(chart, "100%"), abs=0.02)


def test_a_percent_chart_runs_to_100_even_when_every_value_is_low():
    chart = utilisation(rooms(("Suite 1", 30), ("Suite 2", 10)), unit="percent")

    assert [t.text for t in texts(chart, "tick")] == ["0%", "25%", "50%", "75%", "100%"]
    (bar,) = bars_of(chart, "Suite 1")
    scale = tick_x(chart, "100%") - tick_x(chart, "0%")
    assert bar.width == pytest.approx(scale * 0.3, abs=0.02)


def test_an_overbooked_room_widens_the_scale_instead_of_being_cut_off():
    chart = utilisation(rooms(("Suite 1", 120), ("Suite 2", 100)), unit="percent")

    (over,), (full,) = bars_of(chart, "Suite 1"), bars_of(chart, "Suite 2")
    assert over.width == pytest.approx(full.width * 1.2, abs=0.02)
    assert full.x + full.width == pytest.approx(tick_x(chart, "100%"), abs=0.02)


def test_max_value_sets_the_end_of_the_scale():
    table = Table(
        slug="minutes",
        title="Minutes per day",
        definition="x",
        columns=(ROOM, Column("minutes", "Minutes", "minutes")),
        rows=[{"room": "Suite 1", "minutes": 240}],
    )
    chart = bar_chart(
        table,
        label_key="room",
        series=[Series("minutes", "Minutes")],
        unit="minutes",
        max_value=480,
    )

    (bar,) = chart.rects
    # Ticks every 200 minutes inside the 480; 240 lies 240/200 of the way to the first one.
    assert [t.text for t in texts(chart, "tick")] == ["0 min", "200 min", "400 min"]
    step = tick_x(chart, "200 min") - tick_x(chart, "0 min")
    assert bar.width == pytest.approx(step * 240 / 200, abs=0.02)
    assert [t.text for t in texts(chart, "value")] == ["240 min"]


def test_stacked_segments_follow_each_other_and_add_up_to_the_row_total():
    chart = reminders(("Appointment", 6, 3, 1), ("Hold", 5, 0, 0))

    appointment = bars_of(chart, "Appointment")
    assert [r.css for r in appointment] == ["series-1", "series-2", "series-3"]
    assert [r.title for r in appointment] == [
        "Appointment, Sent: 6",
        "Appointment, Pending: 3",
        "Appointment, Failed: 1",
    ]
    for left, right in zip(appointment, appointment[1:], strict=False):
        assert right.x == pytest.approx(left.x + left.width, abs=0.02)
    sent, pending, failed = (r.width for r in appointment)
    assert pending == pytest.approx(sent / 2, abs=0.02)
    assert failed == pytest.approx(sent / 6, abs=0.02)
    # A zero draws nothing: Hold is one segment, half as long as Appointment's whole bar.
    (hold,) = bars_of(chart, "Hold")
    assert hold.width == pytest.approx((sent + pending + failed) / 2, abs=0.02)
    # The total at the end of each bar, and a number on a segment wide enough to hold it.
    assert [t.text for t in texts(chart, "value")] == ["10", "5"]
    on_segments = [(t.css, t.text) for t in chart.texts if t.css.startswith("on-series-")]
    assert on_segments == [
        ("on-series-1", "6"),
        ("on-series-2", "3"),
        ("on-series-3", "1"),
        ("on-series-1", "5"),
    ]
    assert [(i.css, i.label) for i in chart.legend] == [
        ("series-1", "Sent"),
        ("series-2", "Pending"),
        ("series-3", "Failed"),
    ]


def test_a_row_without_a_value_has_no_bar_and_a_dash_where_it_would_be():
    chart = utilisation(rooms(("Suite 1", 72), ("Exam 2", None), ("Exam 1", 0)), unit="percent")

    assert [r.title for r in chart.rects] == ["Suite 1: 72%"]
    (dash,) = texts(chart, "none")
    (label,) = [t for t in texts(chart, "label") if t.text == "Exam 2"]
    assert dash.text == "—" and dash.y == label.y
    # Zero is a value: no bar to draw, but its number is shown.
    assert [t.text for t in texts(chart, "value")] == ["72%", "0%"]


def test_a_single_series_has_no_legend_and_a_long_label_is_cut_with_the_whole_of_it_kept():
    name = "Procedure room on the second floor, east wing"
    chart = utilisation(rooms(("Suite 1", 50), (name, 40)), unit="percent")

    assert chart.legend == ()
    (cut,) = [t for t in texts(chart, "label") if t.title]
    assert cut.text.endswith("…") and name.startswith(cut.text[:-1]) and cut.title == name
    assert cut.x - len(cut.text) * 7.6 >= 0  # it fits inside the drawing


def test_columns_for_a_year_of_days_are_thin_equal_and_labelled_without_overlap():
    values: list[float | None] = [None if i % 7 in (5, 6) else (i * 37) % 100 for i in range(370)]
    chart = days(values, first=dt.date(2026, 1, 5))

    assert chart.width == 640
    assert len(chart.rects) == sum(v is not None for v in values)
    widths = {r.width for r in chart.rects}
    assert len(widths) == 1 and 0 < widths.pop() < 2
    xs = [r.x for r in chart.rects]
    assert xs == sorted(xs) and xs[-1] + chart.rects[-1].width <= chart.width
    labels = [t for t in texts(chart, "tick") if t.anchor == "middle"]
    assert 2 <= len(labels) <= 12
    # The days span two years, so the labels carry the year; each stays clear of the next.
    assert labels[0].text.endswith(" Jan 2026") and labels[-1].text.endswith(" 2026")
    for left, right in zip(labels, labels[1:], strict=False):
        assert right.x - left.x >= (len(left.text) + len(right.text)) / 2 * 7.6
    assert not texts(chart, "value")  # no room for a number over each column
    assert not texts(chart, "none")  # nor for a dash under each missing day


def test_column_heights_are_proportional_and_a_missing_day_is_a_dash():
    chart = days([100, 50, None, 25])

    full, half, quarter = chart.rects
    assert half.height == pytest.approx(full.height / 2, abs=0.02)
    assert quarter.height == pytest.approx(full.height / 4, abs=0.02)
    base = full.y + full.height
    assert half.y + half.height == pytest.approx(base) == quarter.y + quarter.height
    (dash,) = texts(chart, "none")
    assert half.x + half.width < dash.x < quarter.x
    assert [t.text for t in texts(chart, "value")] == ["100%", "50%", "25%"]
    assert [t.text for t in texts(chart, "tick") if t.anchor == "middle"][0] == "2 Nov"


# --- the text alternative -----------------------------------------------------------------


def test_the_description_states_every_number_of_a_short_chart():
    chart = utilisation(
        rooms(("Suite 1", 72), ("Suite 2", 64.4), ("Exam 1", 30), ("Exam 2", None)),
        unit="percent",
    )

    assert chart.title == "Utilisation by room"
    assert chart.desc == "Suite 1 72%, Suite 2 64.4%, Exam 1 30%, Exam 2 no data."


def test_the_description_of_a_stacked_chart_names_each_series():
    chart = reminders(("Appointment", 300, 40, 12), ("Pain diary", None, None, None))

    assert chart.desc == "Appointment: Sent 300, Pending 40, Failed 12; Pain diary no data."


def test_a_long_chart_is_summarised_by_its_highest_lowest_and_average():
    table = rooms(*[(f"Room {i}", 5 * i) for i in range(1, 14)], ("Closed", None))
    chart = utilisation(table, unit="percent")

    assert chart.desc == (
        "14 bars: highest Room 13 65%; lowest Room 1 5%; average 35%; no data for 1."
    )


def test_a_long_stacked_chart_gives_its_extremes_and_the_totals_of_each_series():
    chart = reminders(*[(f"Kind {i}", i, 1, 0) for i in range(1, 14)])

    assert chart.desc == (
        "13 bars: highest total Kind 13: Sent 13, Pending 1, Failed 0; lowest total Kind 1: "
        "Sent 1, Pending 1, Failed 0; all together Sent 91, Pending 13, Failed 0."
    )


def test_a_month_of_days_is_summarised_with_its_dates():
    values: list[float | None] = [40.0] * 30
    values[3], values[10], values[20], values[21] = 90, 10, None, None
    chart = days(values)

    # (26 x 40 + 90 + 10) / 28 = 40.7
    assert chart.desc == (
        "From Mon 2 Nov 2026 to Tue 1 Dec 2026: highest 90% (Thu 5 Nov 2026), "
        "lowest 10% (Thu 12 Nov 2026), average 40.7%; no data for 2 of 30."
    )


def test_an_empty_table_gives_its_own_sentence_and_no_drawing():
    chart = utilisation(rooms(), unit="percent")

    assert chart.empty == chart.desc == "Nothing in this range."
    html = render(chart)
    assert "<svg" not in html and '<p class="chart-empty">Nothing in this range.</p>' in html


def test_a_chart_of_a_column_the_table_lacks_is_refused():
    with pytest.raises(ValueError, match="no column booking"):
        bar_chart(rooms(("Suite 1", 1)), label_key="room", series=[Series("booking", "Booked")])


# --- the markup ---------------------------------------------------------------------------


def parse(html: str) -> ET.Element:
    return ET.fromstring(f"<div>{html}</div>")


def test_the_template_renders_well_formed_svg_named_by_its_title_and_described_by_its_numbers():
    chart = utilisation(rooms(("Suite 1", 72), ("Suite 2", 64)), unit="percent")
    page = parse(render(chart))

    (figure,) = page.iter("figure")
    assert figure.get("class") == "chart chart-bar"
    (svg,) = figure.iter(f"{SVG}svg")
    assert svg.get("role") == "img"
    assert svg.get("viewBox") == "0 0 640 96"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Utilisation by room"
    assert desc.text == "Suite 1 72%, Suite 2 64%."
    rects = list(svg.iter(f"{SVG}rect"))
    assert [(r.get("class"), r.get("x"), r.get("width")) for r in rects] == [
        ("series-1", str(b.x), str(b.width)) for b in chart.rects
    ]
    drawn = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert "Suite 1" in drawn and "72%" in drawn and "100%" in drawn


def test_ids_are_unique_on_a_page_of_charts_and_every_reference_points_at_one():
    page = parse(
        render(
            utilisation(rooms(("Suite 1", 72)), unit="percent"),
            utilisation(rooms(("Dr. Chen", 55), slug="utilisation-by-provider"), unit="percent"),
            reminders(("Appointment", 3, 1, 0)),
            days([10, 20, 30]),
        )
    )

    ids = [e.get("id") for e in page.iter() if e.get("id")]
    assert len(ids) == 12 and len(set(ids)) == len(ids)
    assert "chart-utilisation-by-provider-desc" in ids
    references = [ref for e in page.iter() for ref in (e.get("aria-labelledby") or "").split()]
    assert len(references) == 8 and set(references) <= set(ids)


def test_no_inline_style_and_every_colour_is_a_class():
    html = render(
        utilisation(rooms(("Suite 1", 72), ("Exam 2", None)), unit="percent"),
        reminders(("Appointment", 300, 40, 12)),
        days([None if i % 7 > 4 else i for i in range(370)]),
    )

    assert "style" not in html.lower()
    for element in parse(html).iter():
        assert not {"style", "fill", "stroke", "color", "stop-color"} & set(element.attrib)
    bars = [r for r in parse(html).iter(f"{SVG}rect")]
    assert bars and all(re.fullmatch(r"series-[1-4]", r.get("class") or "") for r in bars)
    # The legend tells each colour by its name too.
    legend = [" ".join("".join(li.itertext()).split()) for li in parse(html).iter("li")]
    assert legend == ["Sent", "Pending", "Failed"]


def test_numbers_in_the_drawing_are_written_with_a_decimal_point_whatever_the_locale(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    chart = days([12.5] * 400)

    with translation.override("de"):
        html = render(chart)
    assert re.search(r'width="\d+\.\d+"', html)
    assert not re.search(r'(x|y|width|height)="[^"]*,', html)


# --- the stylesheet -----------------------------------------------------------------------


def css_rules() -> list[tuple[str, dict[str, str]]]:
    text = re.sub(r"/\*.*?\*/", "", (STATIC / "dashboard-charts.css").read_text(), flags=re.S)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(
            (name.strip(), value.strip())
            for name, value in (d.split(":", 1) for d in body.split(";") if ":" in d)
        )
        rules.append((" ".join(selector.split()), declarations))
    return rules


def colour(value: str, variables: dict[str, str]) -> str:
    found = re.fullmatch(r"var\((--[\w-]+)\)", value)
    return (variables[found.group(1)] if found else value).lower()


def contrast(a: str, b: str) -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_series_are_painted_in_four_distinct_okabe_ito_colours():
    rules = css_rules()
    variables = {k: v.lower() for _, body in rules for k, v in body.items() if k.startswith("--")}
    fills = {
        selector: colour(body["fill"], variables)
        for selector, body in rules
        if re.fullmatch(r"\.chart \.series-[1-4]", selector)
    }

    assert sorted(fills) == [f".chart .series-{n}" for n in range(1, 5)]
    assert set(fills.values()) <= OKABE_ITO and len(set(fills.values())) == 4


def test_all_chart_text_reaches_4_5_to_1_on_white_or_on_the_segment_it_sits_on():
    rules = css_rules()
    variables = {k: v.lower() for _, body in rules for k, v in body.items() if k.startswith("--")}
    series = {n: variables[f"--chart-series-{n}"] for n in "1234"}
    checked = []
    for selector, body in rules:
        if "text" not in selector or "fill" not in body:
            continue
        ink = colour(body["fill"], variables)
        on = re.search(r"on-series-(\d)", selector)
        background = series[on.group(1)] if on else "#ffffff"
        checked.append((selector, round(contrast(ink, background), 2)))
    assert len(checked) == 7
    assert [c for c in checked if c[1] < 4.5] == []


# --- in a real browser --------------------------------------------------------------------


@pytest.mark.browser
def test_charts_pass_axe_and_their_text_is_readable_in_chromium(page):
    charts = render(
        utilisation(rooms(("Suite 1", 72), ("Suite 2", 64), ("Exam 1", None)), unit="percent"),
        reminders(("Appointment", 300, 40, 12), ("Hold: stop", 120, 14, 3)),
        days([None if i % 7 > 4 else (i * 37) % 100 for i in range(370)]),
        days([10, 20, None, 40]),
    )
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Charts</title></head>'
        f"<body><main><h1>Dashboard</h1>{charts}</main></body></html>"
    )
    for sheet in ("site.css", "dashboard-charts.css"):
        page.add_style_tag(path=str(STATIC / sheet))

    assert_accessible(page)
    assert page.get_by_role("img", name="Reminder delivery").count() == 1
    # Text drawn in the SVG, as the reader sees it after the viewBox is scaled to the page.
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.chart-svg text')].map(
             t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""
    )
    assert smallest >= 12
    fill = page.evaluate(
        "() => getComputedStyle(document.querySelector('.chart-bars .series-2')).fill"
    )
    assert fill == "rgb(230, 159, 0)"
