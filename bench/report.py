"""Figures as JSON lines on stdout; progress text on stderr."""

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

_STARTED = time.monotonic()
REPO = Path(__file__).resolve().parent.parent
"""The checkout `python -m bench` runs from: worker processes start there."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure, optionally next to the baseline measured in the same run."""

    bench: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    ratio: float | None = None
    target: str | None = None
    """What the figure should be, e.g. "<= 1.5"; printed only when set, like `met`."""
    met: bool | None = None


def figure(
    bench: str,
    metric: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    target: str | None = None,
    met: bool | None = None,
) -> Figure:
    """A figure rounded for reading; `ratio` is value / baseline when there is a baseline."""
    ratio = round(value / baseline, 4) if baseline else None
    base = round(baseline, 3) if baseline is not None else None
    return Figure(bench, metric, round(value, 3), unit, base, ratio, target, met)


def emit(fig: Figure) -> None:
    """Print one figure as a JSON line and flush, so a partial run still leaves its lines."""
    row = asdict(fig)
    for key in ("target", "met"):
        if row[key] is None:
            del row[key]
    sys.stdout.write(json.dumps(row) + "\n")
    sys.stdout.flush()


def progress(message: str) -> None:
    """A human-readable progress line on stderr, with seconds since start."""
    sys.stderr.write(f"[bench {time.monotonic() - _STARTED:7.1f}s] {message}\n")
    sys.stderr.flush()
