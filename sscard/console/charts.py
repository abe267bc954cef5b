"""Charts drawn on the server as inline SVG, each with a data table as its text alternative.
No script and nothing fetched from elsewhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
