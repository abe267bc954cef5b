"""Charts drawn on the server as inline SVG, each with a data table as its text alternative.
No script and nothing fetched from elsewhere: the console's dashboards draw these shapes in their
own template, and the portal's records pages take the SVG element written by `svg` (a page of
five charts of 36 bars each is too many template loops for a page asked as often as that)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Distinct, colour-blind-safe hues (Okabe–Ito), dark enough on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#555555")


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    title: str
    css: str = ""  # a class for the template (e.g. an owed month drawn with a dashed edge)


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    legend: list[tuple[str, str]]  # colour, label
    baseline: float
    left: float


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def stacked_days(
    days: list[dt.date], series: list[tuple[str, list[int]]], *, width: int = 720, height: int = 240
) -> Chart:
    """One bar a day, stacked by series (e.g. channels)."""
    left, bottom, top = 40.0, 28.0, 10.0
    plot_h = height - bottom - top
    totals = [sum(values[i] for _, values in series) for i in range(len(days))]
    top_value = _nice_max(max(totals, default=0) or 1)
    slot = (width - left - 10) / max(len(days), 1)
    bar_w = max(slot * 0.7, 1.0)
    rects = []
    for i, day in enumerate(days):
        y = height - bottom
        for index, (name, values) in enumerate(series):
            n = values[i]
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            rects.append(
                Rect(
                    left + i * slot + (slot - bar_w) / 2,
                    y,
                    bar_w,
                    h,
                    PALETTE[index % len(PALETTE)],
                    f"{day:%m-%d} {name}: {n}",
                )
            )
    x_ticks = [
        Tick(left + i * slot + slot / 2, height - bottom + 16, f"{day:%m-%d}")
        for i, day in enumerate(days)
        if i % 5 == 0 or i == len(days) - 1
    ]
    y_ticks = [
        Tick(left - 6, height - bottom - plot_h * k / 4 + 4, str(top_value * k // 4))
        for k in range(5)
    ]
    legend = [(PALETTE[i % len(PALETTE)], name) for i, (name, _v) in enumerate(series)]
    return Chart(width, height, rects, x_ticks, y_ticks, legend, height - bottom, left)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: float


def horizontal_bars(rows: list[tuple[str, int]]) -> list[Bar]:
    """Bars drawn with CSS widths: label, value, share of the largest."""
    biggest = max((v for _, v in rows), default=0) or 1
    return [Bar(name, value, round(100 * value / biggest, 1)) for name, value in rows]


@dataclass(frozen=True)
class Series:
    """One series of a grouped chart: its name, the bar of the slot it stacks into, and one
    value per slot (None: nothing in that slot)."""

    name: str
    bar: int
    values: list[Decimal | None]


def grouped_stacks(
    slots: list[str],
    series: list[Series],
    *,
    marks: dict[int, str] | None = None,
    dashed: frozenset[int] = frozenset(),
    width: int = 720,
    height: int = 260,
) -> Chart:
    """Bars side by side in each slot (e.g. a month's base, and its amounts stacked beside
    it); `marks` draws an empty dashed frame in the slots that hold nothing, with its words
    (e.g. "no record"), and the bars of the slots in `dashed` with a dashed edge (e.g. owed)."""
    left, bottom, top = 56.0, 28.0, 10.0
    plot_h = height - bottom - top
    bars = max((s.bar for s in series), default=0) + 1
    heights: dict[tuple[int, int], Decimal] = {}
    for s in series:
        for i, value in enumerate(s.values):
            if value:
                heights[(i, s.bar)] = heights.get((i, s.bar), Decimal(0)) + value
    top_value = _nice_max(int(max(heights.values(), default=Decimal(0))) + 1)
    slot = (width - left - 10) / max(len(slots), 1)
    bar_w = max(slot * 0.8 / bars, 1.0)
    rects = []
    stacked: dict[tuple[int, int], float] = {}
    for index, s in enumerate(series):
        for i, value in enumerate(s.values):
            if not value:
                continue
            h = plot_h * float(value) / top_value
            y = height - bottom - stacked.get((i, s.bar), 0.0) - h
            stacked[(i, s.bar)] = stacked.get((i, s.bar), 0.0) + h
            x = left + i * slot + slot * 0.1 + s.bar * bar_w
            rects.append(
                Rect(
                    x,
                    y,
                    bar_w,
                    h,
                    PALETTE[index % len(PALETTE)],
                    f"{slots[i]} {s.name}: {value}",
                    "dashed" if i in dashed else "",
                )
            )
    for i, words in (marks or {}).items():
        rects.append(
            Rect(
                left + i * slot + slot * 0.1,
                top,
                slot * 0.8,
                plot_h,
                "none",
                f"{slots[i]}: {words}",
                "mark",
            )
        )
    x_ticks = [
        Tick(left + i * slot + slot / 2, height - bottom + 16, s) for i, s in enumerate(slots)
    ]
    y_ticks = [
        Tick(left - 6, height - bottom - plot_h * k / 4 + 4, str(top_value * k // 4))
        for k in range(5)
    ]
    legend = [(PALETTE[i % len(PALETTE)], s.name) for i, s in enumerate(series)]
    return Chart(width, height, rects, x_ticks, y_ticks, legend, height - bottom, left)


def _number(value: float) -> str:
    """A coordinate as the SVG reads it, whatever the page's language: 212.0, 480."""
    return str(value)


def svg(chart: Chart, *, chart_id: str, label: str) -> SafeString:
    """The chart as an inline SVG element: an image labelled by its title (`label`, with the
    id `<chart_id>-title`), each bar titled with its slot, series and value. Every word is
    escaped (a label already safe is kept as it is); the markup is built here in one pass."""
    e = conditional_escape
    parts = [
        f'<svg viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{e(chart_id)}-title" preserveAspectRatio="xMinYMin meet" '
        f'focusable="false">\n  <title id="{e(chart_id)}-title">{e(label)}</title>\n  '
    ]
    parts.extend(
        f'<text x="{_number(t.x)}" y="{_number(t.y)}" text-anchor="end" class="tick">'
        f"{e(t.text)}</text>"
        for t in chart.y_ticks
    )
    baseline = _number(chart.baseline)
    parts.append(
        f'\n  <line x1="{_number(chart.left)}" y1="{baseline}" x2="{_number(chart.width)}" '
        f'y2="{baseline}" class="axis"/>\n  '
    )
    for r in chart.rects:
        css = f' class="{e(r.css)}"' if r.css else ""
        parts.append(
            f'<rect x="{r.x:.1f}" y="{r.y:.1f}" width="{r.w:.1f}" height="{r.h:.1f}" '
            f'fill="{e(r.fill)}"{css}><title>{e(r.title)}</title></rect>'
        )
    parts.append("\n  ")
    parts.extend(
        f'<text x="{t.x:.1f}" y="{_number(t.y)}" text-anchor="middle" class="tick">'
        f"{e(t.text)}</text>"
        for t in chart.x_ticks
    )
    parts.append("\n</svg>")
    return mark_safe("".join(parts))  # every value above is escaped
