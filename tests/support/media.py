"""Small WAV files for tests, written with the standard library."""

import math
import struct
import wave
from pathlib import Path


def tone_wav(
    path: Path, seconds: float, rate: int = 16_000, freq: float = 220.0, amplitude: float = 0.1
) -> Path:
    """A mono 16-bit sine tone (amplitude 0 gives silence)."""
    frames = int(seconds * rate)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(amplitude * 32767 * math.sin(2 * math.pi * freq * i / rate)))
                for i in range(frames)
            )
        )
    return path


def silent_voice_and_bed(folder: Path, seconds: float = 6.0) -> tuple[Path, Path]:
    """A silent voice stem and a tone bed of the same length."""
    return (
        tone_wav(folder / "voice.wav", seconds, amplitude=0.0),
        tone_wav(folder / "bed.wav", seconds),
    )
