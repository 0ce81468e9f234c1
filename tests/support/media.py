"""Small WAV files for tests, written with the standard library's `wave` and numpy."""

import wave
from pathlib import Path

import numpy as np


def tone_wav(
    path: Path, seconds: float, rate: int = 16_000, freq: float = 220.0, amplitude: float = 0.1
) -> Path:
    """A mono 16-bit sine tone (amplitude 0 gives silence)."""
    # Vectorised: a sample at a time in Python took ~10 s for a 10-minute programme's stems.
    t = np.arange(int(seconds * rate), dtype=np.float64)
    samples = amplitude * 32767 * np.sin(2 * np.pi * freq * t / rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())  # truncated toward zero, as int() did
    return path


def silent_voice_and_bed(folder: Path, seconds: float = 6.0) -> tuple[Path, Path]:
    """A silent voice stem and a tone bed of the same length."""
    return (
        tone_wav(folder / "voice.wav", seconds, amplitude=0.0),
        tone_wav(folder / "bed.wav", seconds),
    )
