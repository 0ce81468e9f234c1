"""Speech-to-text with faster-whisper on the CPU, from a local model (nothing is downloaded)."""

import asyncio
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.documents.transcript import Segment, Transcript, Word
from libs.media.pcm import SAMPLE_RATE, decode_to_pcm16
from libs.transcription.errors import TranscriptionError, UnsupportedLanguage
from libs.transcription.provider import Transcription
from libs.transcription.sentences import split_sentences
from libs.transcription.whisper_model import (
    WhisperModelFiles,
    is_english_only,
    verify_model,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment as WhisperSegment

    from libs.media.pitch import Samples


class FasterWhisperSpeechToText:
    """Whisper (CTranslate2) with word timestamps; the model is verified, then loaded once."""

    name = "faster-whisper"

    def __init__(
        self,
        files: WhisperModelFiles,
        *,
        beam_size: int = 5,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self._prices = prices
        self._files = files
        self._beam_size = beam_size
        self._compute_type = compute_type
        self._cpu_threads = cpu_threads
        self._model: WhisperModel | None = None
        # One decode at a time per process: CTranslate2 already uses every core it is given.
        self._lock = threading.Lock()
        self.model: str | None = files.name
        self.languages: tuple[str, ...] = (
            ("en",) if is_english_only(files.folder) else _multilingual_codes()
        )

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        """Transcribe `audio` spoken in `language`; raises UnsupportedLanguage or a fault."""
        primary = language.strip().replace("_", "-").split("-", 1)[0].lower()
        if primary not in self.languages:
            raise UnsupportedLanguage(self.name, language, self.languages)
        # numpy is imported here, not at start-up: the gateway builds this provider too.
        from libs.media.pitch import pcm16_samples

        samples = pcm16_samples(await decode_to_pcm16(audio))
        segments = await asyncio.to_thread(self._recognise, samples, primary)
        duration = len(samples) / SAMPLE_RATE
        transcript = Transcript(language=primary, duration_s=duration, segments=segments)
        usage = self._prices.price(self.name, self.model, "audio_seconds", round(duration, 3))
        return Transcription(transcript=transcript, usage=[usage])

    def load(self) -> None:
        """Verify the model's files and load it (idempotent; the first transcription does it)."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._model is not None:
            return
        verify_model(self._files)
        from faster_whisper import WhisperModel  # heavy import, only where it is used

        try:
            self._model = WhisperModel(
                str(self._files.folder),
                device="cpu",
                compute_type=self._compute_type,
                cpu_threads=self._cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranscriptionError(f"the Whisper model could not be loaded: {exc}") from exc

    def _recognise(self, samples: "Samples", language: str) -> list[Segment]:
        with self._lock:
            self._load_locked()
            assert self._model is not None
            raw, _info = self._model.transcribe(
                samples,
                language=language if len(self.languages) > 1 else None,
                beam_size=self._beam_size,
                word_timestamps=True,
                condition_on_previous_text=False,
            )
            return to_segments(raw)


def to_segments(raw: Iterable["WhisperSegment"]) -> list[Segment]:
    """Our segments from Whisper's, one per sentence, numbered from 0, blanks dropped (pure)."""
    out: list[Segment] = []
    for seg in raw:
        text = seg.text.strip()
        if not text:
            continue
        words = [
            Word(
                text=w.word.strip(),
                start=max(0.0, round(w.start, 3)),
                end=max(0.0, round(w.start, 3), round(w.end, 3)),
                confidence=_unit(w.probability),
            )
            for w in seg.words or ()
            if w.word.strip()
        ]
        if not words:
            start = max(0.0, round(seg.start, 3))
            end = max(start, round(seg.end, 3))
            out.append(Segment(index=len(out), start=start, end=end, text=text))
            continue
        # Whisper's segments often hold several sentences; a dubbing line is one sentence.
        for run in split_sentences(words):
            out.append(
                Segment(
                    index=len(out),
                    start=run[0].start,
                    end=max(run[0].start, run[-1].end),
                    text=" ".join(w.text for w in run),
                    words=run,
                    confidence=_mean([w.confidence for w in run if w.confidence is not None]),
                )
            )
    return out


def _unit(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _multilingual_codes() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)
