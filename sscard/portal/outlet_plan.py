"""A simple plan of outlets around a point, drawn as inline SVG: no map tiles (the service may
run without internet). Positions are kilometres east and north of the person's location (or
their district's centre), scaled so that all of them fill the square."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sscard.outlets.selectors import FoundOutlet

SIZE = 320  # the plan is a square of SIZE user units
MARGIN = 26
RADIUS = 11  # of a numbered mark
NICE_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class Mark:
    number: int
    found: FoundOutlet
    x: float
    y: float


@dataclass(frozen=True)
class Plan:
    size: int
    marks: list[Mark]
    here: tuple[float, float] | None  # where the person (or the district's centre) is
    scale_km: float  # the length of the scale bar in km
    scale_units: float  # ... and in user units

    @property
    def scale_end(self) -> float:
        return 12 + self.scale_units

    @property
    def bottom(self) -> int:
        return self.size - 14

    @property
    def north_x(self) -> int:
        return self.size - 18


def _offset_km(centre: tuple[float, float], lat: float, lon: float) -> tuple[float, float]:
    east = (lon - centre[1]) * 111.32 * math.cos(math.radians(centre[0]))
    north = (lat - centre[0]) * 110.57
    return east, north


def _free_spot(x: float, y: float, placed: list[tuple[float, float]]) -> tuple[float, float]:
    """Outlets a few metres apart would hide each other's numbers: nudge a mark around its
    true place until it overlaps none placed before (it stays as near as it can)."""
    gap = 2 * RADIUS + 2
    low, high = RADIUS + 2, SIZE - RADIUS - 2
    for ring in range(0, 6):
        steps = 1 if ring == 0 else 8 * ring
        for step in range(steps):
            angle = 2 * math.pi * step / steps
            cx = min(high, max(low, x + ring * gap * math.cos(angle)))
            cy = min(high, max(low, y + ring * gap * math.sin(angle)))
            if all(math.hypot(cx - px, cy - py) >= gap for px, py in placed):
                return cx, cy
    return x, y


def draw_outlet_plan(found: list[FoundOutlet], centre: tuple[float, float] | None) -> Plan | None:
    """Numbered marks in list order around `centre` (the person's location, or the centre of
    their district); without one, around the middle of the outlets shown."""
    if not found:
        return None
    origin = centre or (
        sum(f.outlet.lat for f in found) / len(found),
        sum(f.outlet.lon for f in found) / len(found),
    )
    offsets = [_offset_km(origin, f.outlet.lat, f.outlet.lon) for f in found]
    points = offsets + ([(0.0, 0.0)] if centre else [])
    easts, norths = [e for e, _ in points], [n for _, n in points]
    span = max(max(easts) - min(easts), max(norths) - min(norths), 0.4)
    mid_e, mid_n = (max(easts) + min(easts)) / 2, (max(norths) + min(norths)) / 2
    units_per_km = (SIZE - 2 * MARGIN) / span

    def place(east: float, north: float) -> tuple[float, float]:
        return (
            round(SIZE / 2 + (east - mid_e) * units_per_km, 1),
            round(SIZE / 2 - (north - mid_n) * units_per_km, 1),
        )

    here = place(0.0, 0.0) if centre else None
    placed: list[tuple[float, float]] = [here] if here else []
    marks = []
    for i, (f, (east, north)) in enumerate(zip(found, offsets, strict=True)):
        x, y = _free_spot(*place(east, north), placed)
        placed.append((x, y))
        marks.append(Mark(i + 1, f, round(x, 1), round(y, 1)))
    scale_km = max([k for k in NICE_KM if k <= span / 4] or [NICE_KM[0]])
    return Plan(SIZE, marks, here, scale_km, round(scale_km * units_per_km, 1))
