"""Plans where each dubbed line sounds: its slot, time compression, borrowed silence, overflow (pure)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_MAX_RATIO = 1.25
# The hard ceiling: Rubber Band stays transparent on speech up to about 1.5x.
RATIO_CEILING = 1.5

# Policy: compress first, then borrow (the order), but let a line run this far past its
# original end before compressing at all. Compressing a clip by 3% to save 60 ms buys nothing a
# viewer could notice and costs a resampling pass; a trailing syllable 150 ms after the lips close
# sits inside the lag people tolerate for sound after picture (ITU-R BT.1359: about 125 ms just
# detectable, more acceptable), while a line that runs on well past its original end eats the
# pause before the next line, so beyond the grace compression (up to the cap) is preferred to
# borrowing, and only what compression cannot absorb takes more of the following silence.
DEFAULT_GRACE_S = 0.15

# Smoothing: adjacent lines of one speaker differ in ratio by at most this much when it can be
# done without any line leaving its slot (a jump from 1.0x to 1.25x mid-speech is audible).
MAX_RATIO_STEP = 0.1
# Lines of one speaker further apart than this are separate runs: a speed change after a pause
# does not jar. Lines without a speaker are never smoothed: they may be anyone.
RUN_GAP_S = 1.5

_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class LineTiming:
    """One source line and the length of its synthesized clip (silence trimmed)."""

    index: int
    start: float  # original line start (s)
    end: float  # original line end (s)
    clip_s: float  # synthesized clip length after trimming its leading/trailing silence (s)
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class LinePlan:
    """Where one dubbed line sounds and how it was made to fit."""

    index: int
    source_start: float
    source_end: float
    slot_end: float  # where the next line starts (or the programme's end): never passed
    start: float  # dubbed start (never before source_start)
    end: float  # dubbed end (<= slot_end)
    ratio: float  # time compression applied: 1.0 none, 1.25 = 25% faster; never < 1
    borrowed_s: float  # seconds of the following silence used (max(0, end - source_end))
    overflow_s: float  # seconds of the compressed clip that did not fit (faded out, recorded)
    speaker: str | None


def plan_alignment(
    lines: Sequence[LineTiming],
    *,
    programme_s: float,
    max_ratio: float = DEFAULT_MAX_RATIO,
    grace_s: float = DEFAULT_GRACE_S,
) -> list[LinePlan]:
    """Fit every line into its slot; plans come back ordered by `index` (unique per line)."""
    _validate(lines, programme_s=programme_s, max_ratio=max_ratio, grace_s=grace_s)
    ordered = sorted(lines, key=lambda line: (line.start, line.index))
    slot_ends = [
        _slot_end(line, ordered[i + 1].start if i + 1 < len(ordered) else None, programme_s)
        for i, line in enumerate(ordered)
    ]
    preferred = [
        _preferred_ratio(line, slot_end, max_ratio=max_ratio, grace_s=grace_s)
        for line, slot_end in zip(ordered, slot_ends, strict=True)
    ]
    lowest = [
        _lowest_fitting_ratio(line, slot_end, max_ratio=max_ratio)
        for line, slot_end in zip(ordered, slot_ends, strict=True)
    ]
    ratios = list(preferred)
    for run in _speaker_runs(ordered, slot_ends):
        smoothed = _smooth([preferred[i] for i in run], [lowest[i] for i in run], max_ratio)
        for i, ratio in zip(run, smoothed, strict=True):
            ratios[i] = ratio
    plans = [
        _place(line, slot_end, ratio)
        for line, slot_end, ratio in zip(ordered, slot_ends, ratios, strict=True)
    ]
    return sorted(plans, key=lambda plan: plan.index)


def _validate(
    lines: Sequence[LineTiming], *, programme_s: float, max_ratio: float, grace_s: float
) -> None:
    if not (math.isfinite(max_ratio) and 1.0 <= max_ratio <= RATIO_CEILING):
        raise ValueError(f"max_ratio must be between 1.0 and {RATIO_CEILING}, got {max_ratio}")
    if not (math.isfinite(programme_s) and programme_s >= 0):
        raise ValueError(f"programme_s must be a finite length >= 0, got {programme_s}")
    if not (math.isfinite(grace_s) and grace_s >= 0):
        raise ValueError(f"grace_s must be a finite length >= 0, got {grace_s}")
    seen: set[int] = set()
    for line in lines:
        if line.index in seen:
            raise ValueError(f"line index {line.index} appears more than once")
        seen.add(line.index)
        values = (line.start, line.end, line.clip_s)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"line {line.index} has a non-finite time")
        if line.start < 0 or line.end < line.start or line.clip_s < 0:
            raise ValueError(
                f"line {line.index} needs 0 <= start <= end and clip_s >= 0, "
                f"got start={line.start}, end={line.end}, clip_s={line.clip_s}"
            )


def _slot_end(line: LineTiming, next_start: float | None, programme_s: float) -> float:
    # A line starting at or after the programme's end gets an empty slot at its own start: it
    # must not start early, and nothing of it can sound.
    limit = programme_s if next_start is None else min(next_start, programme_s)
    return max(line.start, limit)


def _preferred_ratio(
    line: LineTiming, slot_end: float, *, max_ratio: float, grace_s: float
) -> float:
    window = slot_end - line.start
    if line.clip_s <= _EPSILON:
        return 1.0
    # Aim to end at the original end plus the grace (both limited by the slot).
    target = min(min(line.end, slot_end) - line.start + grace_s, window)
    if target <= _EPSILON:
        return max_ratio
    return min(max(line.clip_s / target, 1.0), max_ratio)


def _lowest_fitting_ratio(line: LineTiming, slot_end: float, *, max_ratio: float) -> float:
    window = slot_end - line.start
    if line.clip_s <= _EPSILON:
        return 1.0
    if window <= _EPSILON:
        return max_ratio
    return min(max(line.clip_s / window, 1.0), max_ratio)


def _speaker_runs(ordered: Sequence[LineTiming], slot_ends: Sequence[float]) -> list[list[int]]:
    """Positions (in time order) of audible lines forming runs of one known speaker."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(ordered):
        audible = line.clip_s > _EPSILON and slot_ends[i] - line.start > _EPSILON
        if not audible:
            continue  # an empty line neither joins nor breaks a run: nothing of it sounds
        if current:
            previous = ordered[current[-1]]
            same = line.speaker is not None and line.speaker == previous.speaker
            if same and line.start - previous.end <= RUN_GAP_S:
                current.append(i)
                continue
            runs.append(current)
        current = [i]
    if current:
        runs.append(current)
    return [run for run in runs if len(run) > 1]


def _smooth(preferred: list[float], lowest: list[float], max_ratio: float) -> list[float]:
    """Ratios within MAX_RATIO_STEP of their neighbours, each between its lowest fit and the cap.

    First peaks are lowered toward their neighbours (using borrowed silence instead of
    compression, never below the lowest ratio that fits the slot), then the remaining valleys are
    raised (more compression always fits). The result is the upper envelope
    max_j(r_j - step*|i-j|), so every adjacent step is within MAX_RATIO_STEP and no ratio exceeds
    the largest input, which is at most the cap.
    """
    n = len(preferred)
    lowered = list(preferred)
    for i in range(1, n):
        lowered[i] = min(lowered[i], lowered[i - 1] + MAX_RATIO_STEP)
    for i in range(n - 2, -1, -1):
        lowered[i] = min(lowered[i], lowered[i + 1] + MAX_RATIO_STEP)
    ratios = [max(low, r) for low, r in zip(lowest, lowered, strict=True)]
    for i in range(1, n):
        ratios[i] = max(ratios[i], ratios[i - 1] - MAX_RATIO_STEP)
    for i in range(n - 2, -1, -1):
        ratios[i] = max(ratios[i], ratios[i + 1] - MAX_RATIO_STEP)
    return [min(max(r, 1.0), max_ratio) for r in ratios]


def _place(line: LineTiming, slot_end: float, ratio: float) -> LinePlan:
    start = line.start
    compressed = line.clip_s / ratio
    end = min(start + compressed, slot_end)
    overflow = compressed - (end - start)
    return LinePlan(
        index=line.index,
        source_start=line.start,
        source_end=line.end,
        slot_end=slot_end,
        start=start,
        end=end,
        ratio=ratio,
        borrowed_s=max(0.0, end - line.end),
        overflow_s=overflow if overflow > _EPSILON else 0.0,
        speaker=line.speaker,
    )
