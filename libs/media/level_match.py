"""Chooses the gain that gives a dubbed line the loudness of the line it replaces (pure)."""

import math
import statistics
from collections.abc import Sequence

# A dubbed line may move at most this far from its synthesized level: past it a mismeasure
# (music in the voice stem, a cough) would do more harm than a level mismatch.
MAX_GAIN_DB = 12.0
# A line is never lifted so far that its peak passes this (no clipping, 1 dB kept for the mix).
PEAK_CEILING_DBFS = -1.0


def match_gain_db(
    source_lufs: float | None,
    dubbed_lufs: float | None,
    dubbed_peak_dbfs: float,
    *,
    fallback_db: float = 0.0,
    max_gain_db: float = MAX_GAIN_DB,
) -> float:
    """Gain (dB) taking the dubbed line to the source's loudness within ±max_gain_db.

    Unmeasurable lines get `fallback_db`; a lift is reduced so the peak stays under the ceiling.
    """
    if source_lufs is None or dubbed_lufs is None:
        gain = fallback_db
    else:
        gain = source_lufs - dubbed_lufs
    gain = min(max(gain, -max_gain_db), max_gain_db)
    if gain > 0 and math.isfinite(dubbed_peak_dbfs):
        gain = min(gain, max(0.0, PEAK_CEILING_DBFS - dubbed_peak_dbfs))
    return gain


def typical_gain_db(gains: Sequence[float]) -> float:
    """The gain for lines that could not be measured: the median of the measured ones (or 0)."""
    return statistics.median(gains) if gains else 0.0
