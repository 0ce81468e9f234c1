"""Decodes a whole synthesized clip to mono float32 at the output rate, in-process when it can."""

import asyncio
import math
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from libs.media.mono_decode import Samples, decode_mono


async def decode_clip(path: Path, *, rate: int, what: str) -> Samples:
    """Mono float32 samples at `rate`; MediaError (naming `what`) if it is not audio.

    WAV, FLAC, AIFF, Ogg/Opus and MP3 (what TTS engines write) are decoded by libsndfile in
    this process, which is some 100x cheaper than starting ffmpeg for each of ~900 lines;
    anything else, or anything libsndfile refuses, goes through ffmpeg, which has the last word.
    """
    decoded = await asyncio.to_thread(_read_in_process, path, rate)
    if decoded is not None:
        return decoded
    return await decode_mono(path, rate=rate, what=what)


def _read_in_process(path: Path, rate: int) -> Samples | None:
    try:
        data, source_rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, OSError, ValueError):
        return None
    channels = data.shape[1]
    if channels > 2 or len(data) == 0:
        return None  # surround needs ffmpeg's downmix matrix; an empty read is ffmpeg's call
    mono = data.mean(axis=1, dtype=np.float32) if channels == 2 else data[:, 0]
    if source_rate != rate:
        common = math.gcd(int(source_rate), rate)
        mono = resample_poly(mono, rate // common, int(source_rate) // common).astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)
