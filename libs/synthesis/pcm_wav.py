"""Raw 16-bit mono PCM from a vendor, kept as a WAV file (pure but for the write)."""

import io
import wave
from pathlib import Path


def pcm_to_wav(pcm: bytes, sample_rate: int) -> bytes:
    """A mono 16-bit WAV holding `pcm` (an odd trailing byte is dropped)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm[: len(pcm) - len(pcm) % 2])
    return buf.getvalue()


def pcm_seconds(pcm: bytes, sample_rate: int) -> float:
    """How long mono 16-bit `pcm` plays."""
    return (len(pcm) // 2) / sample_rate


def write_pcm_wav(out: Path, pcm: bytes, sample_rate: int) -> float:
    """Write `pcm` as a WAV to `out`; its duration in seconds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pcm_to_wav(pcm, sample_rate))
    return pcm_seconds(pcm, sample_rate)
