"""Measures speech loudness (ITU-R BS.1770, gated) of a short span, even one under 400 ms (pure)."""

import math

import numpy as np
import pyloudnorm

from libs.media.mono_decode import Samples

# BS.1770 gates 400 ms blocks; a shorter span is repeated to one block so it can still be
# measured: the loudness of a repeated sound is its own mean K-weighted power.
_BLOCK_S = 0.4
# Shorter than this there is no syllable to measure (and K-weighting has no time to settle).
MIN_SPAN_S = 0.05


def span_lufs(samples: Samples, rate: int) -> float | None:
    """Integrated (gated) loudness in LUFS, or None if too short or silent to measure."""
    if len(samples) < MIN_SPAN_S * rate:
        return None
    block = math.ceil(_BLOCK_S * rate) + 1
    if len(samples) < block:
        samples = np.tile(samples, math.ceil(block / len(samples)))
    meter = pyloudnorm.Meter(rate)
    value = float(meter.integrated_loudness(samples.astype(np.float64)))
    return value if math.isfinite(value) else None


def peak_dbfs(samples: Samples) -> float:
    """Sample peak in dBFS (-inf for silence)."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf
