"""Reads ffmpeg's `ebur128` report (EBU R128 / ITU-R BS.1770) from its log (pure)."""

import math
import re
from dataclasses import dataclass

from libs.media.errors import MediaError

# ebur128 reports this when nothing rises above the absolute gate: no measurable programme.
SILENT_LUFS = -70.0
CURVE_STEP_S = 0.5

_INTEGRATED = re.compile(r"Integrated loudness:\s*\n.*?I:\s*(\S+) LUFS")
_TRUE_PEAK = re.compile(r"True peak:\s*\n.*?Peak:\s*(\S+) dBFS")
_FRAME_TIME = re.compile(r"pts_time:(\S+)")
_SHORT_TERM = re.compile(r"lavfi\.r128\.S=(\S+)")
_MOMENTARY = re.compile(r"lavfi\.r128\.M=(\S+)")
# Until its 3 s window has filled, ebur128's short-term value is its floor (about -120.7), not
# a measurement: the curve shows the momentary (400 ms) loudness there instead.
SHORT_TERM_WINDOW_S = 3.0


@dataclass(frozen=True, slots=True)
class Loudness:
    """Integrated loudness (LUFS) and true peak (dBTP); None where there is nothing to measure."""

    integrated_lufs: float | None
    true_peak_dbtp: float | None


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Short-term loudness (3 s window, LUFS) at a time (s); None in silence."""

    t: float
    lufs: float | None


def loudness_summary(log: str) -> Loudness:
    """The summary ebur128 prints when its stream ends (requires `peak=true`)."""
    summary = log[log.rfind("Summary:") :] if "Summary:" in log else ""
    integrated, peak = _INTEGRATED.search(summary), _TRUE_PEAK.search(summary)
    if integrated is None or peak is None:
        raise MediaError("the loudness measurement gave no report")
    lufs, dbtp = _number(integrated.group(1)), _number(peak.group(1))
    return Loudness(
        integrated_lufs=None if lufs is None or lufs <= SILENT_LUFS else lufs,
        true_peak_dbtp=dbtp,
    )


def short_term_curve(log: str, *, step_s: float = CURVE_STEP_S) -> list[CurvePoint]:
    """Short-term loudness every `step_s` from ebur128's 100 ms metadata, printed by ametadata
    (momentary loudness for the first 3 s, before the short-term window has filled)."""
    points: list[CurvePoint] = []
    time: float | None = None
    momentary: float | None = None
    next_t = 0.0
    for line in log.splitlines():
        frame = _FRAME_TIME.search(line)
        if frame is not None:
            time = _number(frame.group(1))
            continue
        m = _MOMENTARY.search(line)
        if m is not None:  # printed just before the same frame's short-term value
            momentary = _number(m.group(1))
            continue
        value = _SHORT_TERM.search(line)
        # Frames are 100 ms; a small tolerance keeps float times from skipping a step.
        if value is not None and time is not None and time >= next_t - 1e-6:
            s = _number(value.group(1))
            if time < SHORT_TERM_WINDOW_S - 1e-6:
                s = momentary
            points.append(CurvePoint(round(time, 3), s if s is not None and s > -120 else None))
            next_t += step_s
            time = None
    return points


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
