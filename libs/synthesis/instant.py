"""A text-to-speech stand-in that writes silence of a plausible length, for benchmarks."""

import contextlib
import io
import wave
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import lru_cache
from pathlib import Path

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.synthesis.provider import Speech, Voice

SAMPLE_RATE = 16_000
SECONDS_PER_CHARACTER = 0.06
MIN_DURATION_S = 0.2
MAX_DURATION_S = 10.0


class InstantTextToSpeech:
    """Writes a silent 16 kHz mono 16-bit WAV whose length grows with the text (capped)."""

    name = "instant"
    model: str | None = None

    def __init__(self, *, prices: PriceTable = DEFAULT_PRICE_TABLE) -> None:
        self._prices = prices

    def voices(self, language: str) -> Sequence[Voice]:
        """One silent voice, whatever the language."""
        return (Voice(id="silence", language=language, label="silence"),)

    def paid_slot(self) -> AbstractAsyncContextManager[None]:
        return contextlib.nullcontext()  # free: nothing paid to lose

    async def synthesize(self, text: str, language: str, voice: Voice, out: Path) -> Speech:
        """Write silence lasting roughly as long as speaking `text` would."""
        frames = round(silence_duration(text) * SAMPLE_RATE)
        # Tiny (10 s at most is 320 KB), written on the loop: a thread hop would cost more.
        write_silence(out, frames)
        return Speech(
            duration_s=frames / SAMPLE_RATE,
            usage=[self._prices.price(self.name, self.model, "characters", len(text))],
        )


def silence_duration(text: str) -> float:
    """Seconds of audio for `text`: 60 ms per character, within [0.2 s, 10 s] (pure)."""
    return min(MAX_DURATION_S, max(MIN_DURATION_S, len(text.strip()) * SECONDS_PER_CHARACTER))


def write_silence(out: Path, frames: int) -> None:
    """Write `frames` of silence as a 16 kHz mono 16-bit WAV file."""
    try:
        out.write_bytes(silent_wav(frames))
    except FileNotFoundError:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(silent_wav(frames))


@lru_cache(maxsize=64)
def silent_wav(frames: int, rate: int = SAMPLE_RATE) -> bytes:
    """The bytes of a silent mono 16-bit WAV file (durations repeat: cached)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(bytes(2 * frames))
    return buf.getvalue()
