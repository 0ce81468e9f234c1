"""Makes a rendered line exactly its planned length, fading out what does not fit (pure)."""

import numpy as np

from libs.media.mono_decode import Samples

# What overflows the slot fades out over this long: short enough to keep most of the line's
# end, long enough not to click or sound cut off mid-syllable.
OVERFLOW_FADE_S = 0.08
# Even a rounding trim of a few samples ends in a tiny fade, so no line ends on a step.
EDGE_FADE_S = 0.003
# Cutting more than this is an overflow, not rounding.
_ROUNDING_S = 0.001


def fit_length(samples: Samples, length: int, rate: int) -> Samples:
    """`samples` cut (with a fade-out) or padded with silence to exactly `length` samples."""
    if length <= 0:
        return np.zeros(0, dtype=np.float32)
    if len(samples) <= length:
        out = np.zeros(length, dtype=np.float32)
        out[: len(samples)] = samples
        return out
    out = samples[:length].astype(np.float32, copy=True)
    overflow = len(samples) - length > _ROUNDING_S * rate
    fade = min(length, round((OVERFLOW_FADE_S if overflow else EDGE_FADE_S) * rate))
    if fade > 0:
        # Raised-cosine (equal-power-ish) ramp to exactly zero at the last sample.
        ramp = 0.5 * (1 + np.cos(np.linspace(0.0, np.pi, fade, dtype=np.float64)))
        out[-fade:] *= ramp.astype(np.float32)
    return out
