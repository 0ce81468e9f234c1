"""English speech-to-text with CMU PocketSphinx (the en-us model bundled in its wheel)."""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pocketsphinx

from libs.billing.price_table import DEFAULT_PRICE_TABLE, PriceTable
from libs.documents.transcript import Transcript
from libs.media.pcm import SAMPLE_RATE, decode_to_pcm16
from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.provider import Transcription
from libs.transcription.word_grouping import TimedWord, clean_word, group_words

_SUPPORTED = ("en",)


class PocketSphinxSpeechToText:
    """Offline English recogniser; decoding is serialised per instance (the decoder is stateful)."""

    name = "pocketsphinx"
    model: str | None = "en-us"
    languages: tuple[str, ...] = _SUPPORTED

    def __init__(
        self,
        *,
        max_gap_s: float = 0.5,
        max_segment_s: float = 8.0,
        prices: PriceTable = DEFAULT_PRICE_TABLE,
    ) -> None:
        self._prices = prices
        self._max_gap_s = max_gap_s
        self._max_segment_s = max_segment_s
        self._decoder: pocketsphinx.Decoder | None = None
        self._initial_cmn = ""
        self._lock = threading.Lock()

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        """Transcribe English `audio`; raises UnsupportedLanguage for anything else."""
        primary = language.strip().replace("_", "-").split("-", 1)[0].lower()
        if primary not in _SUPPORTED:
            raise UnsupportedLanguage(self.name, language, _SUPPORTED)
        pcm = await decode_to_pcm16(audio)
        words = await asyncio.to_thread(self._recognise, pcm)
        segments = group_words(words, max_gap_s=self._max_gap_s, max_segment_s=self._max_segment_s)
        duration = len(pcm) / (2 * SAMPLE_RATE)
        transcript = Transcript(language=primary, duration_s=duration, segments=segments)
        usage = self._prices.price(self.name, self.model, "audio_seconds", round(duration, 3))
        return Transcription(transcript=transcript, usage=[usage])

    def _recognise(self, pcm: bytes) -> list[TimedWord]:
        with self._lock:
            if self._decoder is None:
                # Loading the model takes ~0.2 s, so it is done once and reused.
                self._decoder = pocketsphinx.Decoder(loglevel="ERROR")
                self._initial_cmn = str(self._decoder.get_cmn())
            # Cepstral mean normalisation adapts as it decodes; resetting it keeps a file's
            # transcript independent of whatever was transcribed before it.
            self._decoder.set_cmn(self._initial_cmn)
            return [
                word
                for region_start, speech in speech_regions(pcm)
                for word in _decode(self._decoder, speech, region_start)
            ]


def speech_regions(pcm: bytes) -> Iterator[tuple[float, bytes]]:
    """(start seconds, PCM) of each voiced region, so long files never become one utterance."""
    endpointer = pocketsphinx.Endpointer(sample_rate=SAMPLE_RATE)
    frame_bytes: int = endpointer.frame_bytes
    region_start = 0.0
    speech_frames: list[bytes] = []
    for offset in range(0, len(pcm), frame_bytes):
        frame = pcm[offset : offset + frame_bytes]
        was_in_speech = bool(endpointer.in_speech)
        if len(frame) < frame_bytes:
            speech = endpointer.end_stream(frame)
        else:
            speech = endpointer.process(frame)
        if speech is None:
            continue
        if not was_in_speech:
            region_start = float(endpointer.speech_start)
        speech_frames.append(speech)
        if not endpointer.in_speech:
            yield region_start, b"".join(speech_frames)
            speech_frames.clear()
    if speech_frames:
        # The stream ended exactly on a frame boundary while still in speech.
        yield region_start, b"".join(speech_frames)


def _decode(decoder: pocketsphinx.Decoder, speech: bytes, offset_s: float) -> list[TimedWord]:
    # full_utt lets the decoder normalise over the whole region instead of adapting live.
    decoder.start_utt()
    decoder.process_raw(speech, full_utt=True)
    decoder.end_utt()
    fps = float(decoder.config["frate"])
    words: list[TimedWord] = []
    for seg in decoder.seg():
        text = clean_word(str(seg.word))
        if text is not None:
            words.append(
                TimedWord(
                    text=text,
                    start=offset_s + seg.start_frame / fps,
                    end=offset_s + (seg.end_frame + 1) / fps,
                )
            )
    return words
