"""Real recognition of the English sample with PocketSphinx (needs ffmpeg)."""

import wave
from pathlib import Path

import pytest

from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from tests.support.samples import ENGLISH, SAMPLES


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


async def test_transcribes_english_sample_into_timed_segments() -> None:
    transcript = (await PocketSphinxSpeechToText().transcribe(ENGLISH, "en-US")).transcript
    file_seconds = _wav_seconds(ENGLISH)
    assert transcript.language == "en"
    assert transcript.duration_s == pytest.approx(file_seconds, abs=0.05)
    assert transcript.segments, "expected at least one recognised segment"
    previous_end = 0.0
    for i, segment in enumerate(transcript.segments):
        assert segment.index == i
        assert segment.text.strip()
        assert not any(marker in segment.text for marker in ("<s>", "</s>", "<sil>", "[", "("))
        assert previous_end <= segment.start < segment.end <= file_seconds + 0.05
        previous_end = segment.end
    # The sample is speech from start to end, so the recognised span covers most of it.
    covered = transcript.segments[-1].end - transcript.segments[0].start
    assert covered > 0.5 * file_seconds


async def test_same_file_gives_same_text_on_a_reused_provider() -> None:
    stt = PocketSphinxSpeechToText()
    first = (await stt.transcribe(ENGLISH, "en")).transcript
    await stt.transcribe(SAMPLES / "french.aiff", "en")
    again = (await stt.transcribe(ENGLISH, "en")).transcript
    assert [s.text for s in again.segments] == [s.text for s in first.segments]


async def test_non_english_is_refused_before_any_work() -> None:
    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        await PocketSphinxSpeechToText().transcribe(SAMPLES / "french.aiff", "fr")
