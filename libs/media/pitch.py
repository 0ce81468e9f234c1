"""The median pitch (f0) of voiced speech, by autocorrelation (pure over samples; one helper
decodes a file first)."""

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libs.media.pcm import SAMPLE_RATE, decode_to_pcm16

FRAME_S = 0.04
HOP_S = 0.02
MIN_HZ = 60.0
MAX_HZ = 400.0
# A frame is voiced when its normalised autocorrelation peak reaches this and it is not
# near-silent (relative to the loudest frame).
VOICED_CORRELATION = 0.6
SILENCE_RATIO = 0.05

Samples = npt.NDArray[np.float32]


def frame_f0(frame: Samples, rate: int) -> float | None:
    """The fundamental frequency of one frame in Hz, or None if it is not voiced."""
    frame = frame - frame.mean()
    energy = float(np.dot(frame, frame))
    if energy <= 0.0:
        return None
    corr = np.correlate(frame, frame, mode="full")[len(frame) - 1 :] / energy
    low, high = int(rate / MAX_HZ), min(int(rate / MIN_HZ), len(corr) - 1)
    if high <= low:
        return None
    lag = low + int(np.argmax(corr[low:high]))
    if corr[lag] < VOICED_CORRELATION:
        return None
    # Parabolic interpolation around the peak refines the lag below one sample.
    if 0 < lag < len(corr) - 1:
        a, b, c = float(corr[lag - 1]), float(corr[lag]), float(corr[lag + 1])
        denominator = a - 2 * b + c
        shift = 0.5 * (a - c) / denominator if denominator else 0.0
        return rate / (lag + shift)
    return rate / lag


def median_f0(
    samples: Samples, rate: int, spans: Iterable[tuple[float, float]] | None = None
) -> float | None:
    """Median f0 over the voiced frames inside `spans` (seconds; all audio if None)."""
    frame, hop = int(FRAME_S * rate), int(HOP_S * rate)
    windows = [(0.0, len(samples) / rate)] if spans is None else list(spans)
    frames: list[Samples] = []
    for start, end in windows:
        first, last = max(0, int(start * rate)), min(len(samples), int(end * rate))
        frames.extend(samples[i : i + frame] for i in range(first, last - frame + 1, hop))
    if not frames:
        return None
    loudest = max(float(np.sqrt(np.mean(f * f))) for f in frames)
    pitches = [
        f0
        for f in frames
        if float(np.sqrt(np.mean(f * f))) >= SILENCE_RATIO * loudest
        and (f0 := frame_f0(f, rate)) is not None
    ]
    return float(np.median(pitches)) if pitches else None


def pcm16_samples(pcm: bytes) -> Samples:
    """Little-endian 16-bit PCM as float samples in [-1, 1)."""
    return (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


# Enough of a segment to know its pitch; longer ones are sampled from their start.
MAX_SPAN_S = 4.0


async def span_pitches(audio: Path, spans: Sequence[tuple[float, float]]) -> list[float | None]:
    """The median f0 of each (start, end) span of `audio`, decoded once with ffmpeg."""
    samples = pcm16_samples(await decode_to_pcm16(audio))
    return await asyncio.to_thread(
        lambda: [
            median_f0(samples, SAMPLE_RATE, [(start, min(end, start + MAX_SPAN_S))])
            for start, end in spans
        ]
    )
