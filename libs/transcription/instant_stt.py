"""A speech-to-text stand-in that answers at once with deterministic segments."""

import math
from pathlib import Path

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.documents.transcript import Segment, Transcript
from libs.media.probe import probe_duration
from libs.transcription.provider import Transcription

_SENTENCES = (
    "This is an instant transcript.",
    "It does not listen to the audio.",
    "Each segment covers a fixed slice of time.",
    "Use it for benchmarks and tests.",
)


class InstantSpeechToText:
    """Tiles the audio's duration with canned text, without recognising anything."""

    name = "instant"
    model: str | None = None

    def __init__(
        self,
        *,
        duration_s: float | None = None,
        segment_s: float = 3.0,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        """`duration_s` skips probing the file (no ffprobe), e.g. for benchmarks."""
        if segment_s <= 0:
            raise ValueError("segment_s must be positive")
        self._duration_s = duration_s
        self._segment_s = segment_s
        self._prices = prices

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        """Canned segments tiling the whole duration of `audio`."""
        duration = self._duration_s if self._duration_s is not None else await probe_duration(audio)
        transcript = Transcript(
            language=language,
            duration_s=duration,
            segments=tile_segments(duration, self._segment_s),
        )
        usage = self._prices.price(self.name, self.model, "audio_seconds", round(duration, 3))
        return Transcription(transcript=transcript, usage=[usage])


def tile_segments(duration_s: float, segment_s: float) -> list[Segment]:
    """Consecutive segments of `segment_s` (the last one shorter) covering `duration_s`."""
    count = math.ceil(duration_s / segment_s) if duration_s > 0 else 0
    return [
        Segment(
            index=i,
            start=round(i * segment_s, 3),
            end=round(min((i + 1) * segment_s, duration_s), 3),
            text=_SENTENCES[i % len(_SENTENCES)],
        )
        for i in range(count)
    ]
