"""Ducking of the background under dubbed speech: a gain envelope computed from the line plan.

The envelope is drawn from where the lines are, not from the voice's level (as a side-chain
compressor would): it can start dipping before the first syllable (look-ahead), it holds
through the pauses between words and between close lines, so the bed never pumps, and it is
exact and testable.
"""

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Ducking:
    """How far and how smoothly the background dips while a dubbed line sounds."""

    depth_db: float = 6.0
    attack_s: float = 0.15  # the dip starts this long before a line, reaching full depth at it
    release_s: float = 0.4  # and recovers over this long after it
    hold_s: float = 0.8  # gaps between lines shorter than this stay ducked

    def __post_init__(self) -> None:
        if self.depth_db < 0 or self.attack_s < 0 or self.release_s < 0 or self.hold_s < 0:
            raise ValueError("ducking depth, attack, release and hold must not be negative")


Span = tuple[int, int]  # [start, end) in samples


def speech_spans(lines: Sequence[Span], *, hold: int) -> list[Span]:
    """The lines' spans sorted, with overlapping ones and those closer than `hold` merged."""
    merged: list[Span] = []
    for start, end in sorted(s for s in lines if s[1] > s[0]):
        if merged and start - merged[-1][1] < hold:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


class DuckEnvelope:
    """The background's linear gain, sample by sample, over merged speech spans (pure)."""

    def __init__(self, spans: Sequence[Span], ducking: Ducking, rate: int) -> None:
        self._spans = list(spans)
        self._ends = [end for _, end in self._spans]
        self._attack = max(1, round(ducking.attack_s * rate))
        self._release = max(1, round(ducking.release_s * rate))
        self._depth_db = ducking.depth_db

    def gain(self, start: int, count: int) -> npt.NDArray[np.float32]:
        """Gains for samples [start, start + count)."""
        depth = np.zeros(count, dtype=np.float32)
        # Spans are disjoint and sorted: those ending before the window's release reach are out.
        first = bisect.bisect_right(self._ends, start - self._release)
        t = np.arange(start, start + count, dtype=np.float64)
        for span_start, span_end in self._spans[first:]:
            if span_start - self._attack >= start + count:
                break
            rise = (t - (span_start - self._attack)) / self._attack
            fall = (span_end + self._release - t) / self._release
            np.maximum(depth, np.clip(np.minimum(rise, fall), 0.0, 1.0), out=depth)
        gain: npt.NDArray[np.float32] = np.power(
            np.float32(10.0), depth * np.float32(-self._depth_db / 20.0)
        ).astype(np.float32)
        return gain
