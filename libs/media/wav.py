"""Reads facts from WAV headers with the standard library (no ffprobe round trip)."""

import wave
from pathlib import Path

from libs.media.errors import MediaError


def wav_duration(path: Path) -> float:
    """Duration in seconds of a PCM WAV file, from its header."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise MediaError(f"cannot read WAV header of {path.name}: {exc}") from exc
