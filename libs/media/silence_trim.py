"""Finds where the sound in a clip begins and ends, ignoring leading and trailing silence (pure)."""

import numpy as np

from libs.media.mono_decode import Samples

# Quieter than this, relative to the clip's loudest window, counts as silence: low enough to keep
# soft consonants and breathy endings, high enough to drop a TTS engine's noise floor and padding.
DEFAULT_THRESHOLD_DB = -40.0
# Short windows find the edges; a little margin is kept so an onset's attack is never clipped.
_WINDOW_S = 0.005
DEFAULT_MARGIN_S = 0.01


def sound_bounds(
    samples: Samples,
    rate: int,
    *,
    threshold_db: float = DEFAULT_THRESHOLD_DB,
    margin_s: float = DEFAULT_MARGIN_S,
) -> tuple[int, int]:
    """[first, last) sample of the sounding part; (0, 0) for a silent or empty clip."""
    window = max(1, round(_WINDOW_S * rate))
    frames = len(samples) // window
    if frames == 0:
        return (0, 0)
    power = np.square(samples[: frames * window].astype(np.float64)).reshape(frames, window)
    rms = np.sqrt(power.mean(axis=1))
    peak = float(rms.max())
    if peak <= 1e-7:  # below -140 dBFS: digital silence
        return (0, 0)
    loud = np.flatnonzero(rms >= peak * 10 ** (threshold_db / 20))
    margin = round(margin_s * rate)
    first = max(0, int(loud[0]) * window - margin)
    last = min(len(samples), (int(loud[-1]) + 1) * window + margin)
    return (first, last)
