"""The timeline picture as a scene of shapes: source lines, dubbed lines, loudness (pure).

A fixed 1600x400 canvas: the source lane, the dub lane (each dubbed line coloured by its
stretch ratio over the room it had, borrowed silence beneath it, overflows marked in red
above it), the mix's short-term loudness curve with the target, and a time axis. Lines
are at least one pixel wide, so a 60-minute programme's 900 lines still show.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from libs.media.alignment import LinePlan

WIDTH, HEIGHT = 1600, 400
LEFT, RIGHT = 96, 16
PLOT_W = WIDTH - LEFT - RIGHT
SOURCE_LANE = (52, 40)  # top, height
DUB_LANE = (112, 40)
BORROW_BAR = (154, 6)
OVERFLOW_BAR = (104, 6)
LOUDNESS_LANE = (184, 176)
AXIS_Y = 372
LUFS_RANGE = (-60.0, 0.0)

BACKGROUND = "#ffffff"
INK = "#222222"
GRID = "#dddddd"
SOURCE_FILL = "#9e9e9e"
SLOT_FILL = "#e8eaf6"
BORROWED = "#1e88e5"
OVERFLOW = "#d50000"
LOUDNESS = "#6a1b9a"
TARGET = "#ef6c00"
# Stretch ratio bands: (upper bound, colour, label); the last is open-ended.
RATIO_BANDS: tuple[tuple[float, str, str], ...] = (
    (1.0, "#2e7d32", "1.00x"),
    (1.1, "#9ccc65", "<=1.10x"),
    (1.2, "#fdd835", "<=1.20x"),
    (1.3, "#fb8c00", "<=1.30x"),
    (math.inf, "#c62828", ">1.30x"),
)


@dataclass(frozen=True, slots=True)
class Rect:
    """A filled rectangle; `role` and `ident` name it in the SVG (class and id)."""

    x: float
    y: float
    w: float
    h: float
    fill: str
    role: str = ""
    ident: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A straight line."""

    x1: float
    y1: float
    x2: float
    y2: float
    colour: str
    width: float = 1.0
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Polyline:
    """A curve through points."""

    points: tuple[tuple[float, float], ...]
    colour: str
    width: float = 1.5
    role: str = ""


@dataclass(frozen=True, slots=True)
class Polygon:
    """A filled closed shape (the overflow markers)."""

    points: tuple[tuple[float, float], ...]
    fill: str
    role: str = ""


@dataclass(frozen=True, slots=True)
class Label:
    """Text anchored at its left ("start"), centre ("middle") or right ("end")."""

    x: float
    y: float
    text: str
    colour: str = INK
    size: int = 12
    anchor: str = "start"


Shape = Rect | Segment | Polyline | Polygon | Label
# Seconds to the canvas's x.
_Scale = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Scene:
    """What to draw, in drawing order, on a canvas of a fixed size."""

    width: int
    height: int
    background: str
    shapes: tuple[Shape, ...]


def ratio_colour(ratio: float) -> str:
    """The colour of a dubbed line compressed by `ratio`."""
    for upper, colour, _ in RATIO_BANDS:
        if ratio <= upper + 1e-9:
            return colour
    return RATIO_BANDS[-1][1]


def timeline_scene(
    plans: Sequence[LinePlan],
    programme_s: float,
    loudness: Sequence[tuple[float, float | None]] = (),
    *,
    target_lufs: float | None = None,
    title: str = "",
) -> Scene:
    """The scene of one language's dub: lanes over a shared time axis, loudness beneath.

    `loudness` is the mix's short-term loudness as (seconds, LUFS or None for silence).
    """
    span = max(programme_s, max((p.slot_end for p in plans), default=0.0), 1e-3)

    def x(t: float) -> float:
        return LEFT + PLOT_W * min(max(t, 0.0), span) / span

    shapes: list[Shape] = [*_frame(title), *_axis(span, x)]
    for p in sorted(plans, key=lambda p: p.source_start):
        shapes.append(_bar(x, p.source_start, p.source_end, SOURCE_LANE, SOURCE_FILL, "src", p))
    # Each line's room (its original start to the next line), behind the dubbed lines: a
    # dubbed line that fills its room is a tight one.
    for p in plans:
        shapes.append(_bar(x, p.source_start, p.slot_end, DUB_LANE, SLOT_FILL, "slot", p))
    for p in sorted(plans, key=lambda p: p.start):
        shapes.append(_bar(x, p.start, p.end, DUB_LANE, ratio_colour(p.ratio), "dub", p))
        if p.borrowed_s > 0:
            start = max(p.source_end, p.start)
            shapes.append(_bar(x, start, p.end, BORROW_BAR, BORROWED, "borrowed", p))
        if p.overflow_s > 0:
            shapes.append(
                _bar(x, p.end, p.end + p.overflow_s, OVERFLOW_BAR, OVERFLOW, "overflow", p)
            )
            shapes.append(_marker(x(p.end)))
    shapes.extend(_loudness(loudness, x, target_lufs))
    return Scene(WIDTH, HEIGHT, BACKGROUND, tuple(shapes))


def timeline_key() -> dict[str, Any]:
    """What the picture's colours and marks mean (the manifest carries it)."""
    return {
        "size": [WIDTH, HEIGHT],
        "lanes": ["source lines", "dubbed lines", "mix short-term loudness (LUFS)"],
        "dubbed_colour_by_ratio": [
            {"up_to": None if math.isinf(u) else u, "colour": c, "label": label}
            for u, c, label in RATIO_BANDS
        ],
        "room": {"colour": SLOT_FILL, "mark": "behind each dubbed line: its start to the next"},
        "borrowed": {"colour": BORROWED, "mark": "bar under the dubbed line"},
        "overflow": {"colour": OVERFLOW, "mark": "bar and triangle above the dubbed line"},
        "loudness": {"colour": LOUDNESS, "range_lufs": list(LUFS_RANGE), "target": TARGET},
    }


def _bar(
    x: _Scale, start: float, end: float, lane: tuple[int, int], fill: str, role: str, p: LinePlan
) -> Rect:
    left = x(start)
    # A line always shows, however short against an hour; a pixel's gap parts touching lines.
    width = x(end) - left
    width = max(1.0, width - 1.0 if width >= 3 else width)
    title = (
        f"line {p.index}: {p.start:.2f}-{p.end:.2f} s, x{p.ratio:.2f}, "
        f"borrowed {p.borrowed_s:.2f} s, overflow {p.overflow_s:.2f} s"
    )
    return Rect(left, lane[0], width, lane[1], fill, role, f"{role}-{p.index}", title)


def _marker(at: float) -> Polygon:
    top = OVERFLOW_BAR[0] - 10
    return Polygon(((at - 5, top), (at + 5, top), (at, top + 8)), OVERFLOW, "overflow-mark")


def _frame(title: str) -> list[Shape]:
    shapes: list[Shape] = [
        Label(LEFT, 18, title, INK, 14),
        Label(LEFT - 8, SOURCE_LANE[0] + 25, "source", INK, 12, "end"),
        Label(LEFT - 8, DUB_LANE[0] + 25, "dub", INK, 12, "end"),
        Label(LEFT - 40, LOUDNESS_LANE[0] + LOUDNESS_LANE[1] // 2, "LUFS", INK, 12, "end"),
    ]
    # The legend, right-aligned on the title row: ratio bands, borrowed, overflow.
    items = [(c, label) for _, c, label in RATIO_BANDS]
    items += [(SLOT_FILL, "room"), (BORROWED, "borrowed"), (OVERFLOW, "overflow")]
    at = WIDTH - RIGHT - 86 * len(items)
    for colour, label in items:
        shapes.append(Rect(at, 8, 12, 12, colour, "legend"))
        shapes.append(Label(at + 16, 18, label, INK, 11))
        at += 86
    return shapes


def _axis(span: float, x: _Scale) -> list[Shape]:
    step = _tick_step(span)
    shapes: list[Shape] = [Segment(LEFT, AXIS_Y, LEFT + PLOT_W, AXIS_Y, INK)]
    for n in range(int(span // step) + 1):
        t = n * step
        shapes.append(Segment(x(t), SOURCE_LANE[0], x(t), AXIS_Y, GRID))
        shapes.append(Segment(x(t), AXIS_Y, x(t), AXIS_Y + 5, INK))
        shapes.append(Label(x(t), AXIS_Y + 18, _clock(t, step), INK, 11, "middle"))
    return shapes


def _loudness(
    curve: Sequence[tuple[float, float | None]], x: _Scale, target: float | None
) -> list[Shape]:
    top, height = LOUDNESS_LANE
    low, high = LUFS_RANGE

    def y(lufs: float) -> float:
        value = min(max(lufs, low), high) if math.isfinite(lufs) else low
        return top + height * (high - value) / (high - low)

    shapes: list[Shape] = []
    for level in (-60, -40, -20, 0):
        shapes.append(Segment(LEFT, y(level), LEFT + PLOT_W, y(level), GRID))
        shapes.append(Label(LEFT - 8, y(level) + 4, str(level), INK, 10, "end"))
    if target is not None:
        shapes.append(Segment(LEFT, y(target), LEFT + PLOT_W, y(target), TARGET, 1.0, True))
        shapes.append(
            Label(LEFT + PLOT_W - 4, y(target) - 4, f"target {target:g}", TARGET, 10, "end")
        )
    # One point per pixel column (the loudest in it): an hour's curve stays 1600 points.
    columns: dict[int, float] = {}
    for t, lufs in curve:
        col = round(x(t))
        # None (or -inf) is silence: the bottom of the scale.
        value = lufs if lufs is not None and math.isfinite(lufs) else low
        columns[col] = max(columns.get(col, -math.inf), value)
    if len(columns) >= 2:
        points = tuple((float(c), y(v)) for c, v in sorted(columns.items()))
        shapes.append(Polyline(points, LOUDNESS, 1.5, "loudness"))
    return shapes


def _tick_step(span: float) -> float:
    # The smallest "nice" step giving at most 12 ticks.
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if span / step <= 12:
            return float(step)
    return 3600.0 * math.ceil(span / 3600 / 12)


def _clock(t: float, step: float) -> str:
    whole = round(t)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}" if step >= 60 or minutes else f"{seconds} s"
