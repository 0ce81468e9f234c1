"""Real recognition with faster-whisper and the packaged tiny.en model (needs ffmpeg)."""

import shutil
from pathlib import Path

import pytest

from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from libs.transcription.whisper_model import (
    ModelIntegrityError,
    WhisperModelFiles,
    packaged_model,
)
from libs.transcription.word_error_rate import word_error_rate
from redub.cli.demo_media import DEFAULT_LINES, make_demo_stems
from tests.support.samples import ENGLISH

# Measured on the demo voice (espeak-ng en-us, the three demo lines): 0.0 with beam 5.
# pocketsphinx gets about 12% of words wrong on clean speech; the bar is well below that.
DEMO_WER_THRESHOLD = 0.05


@pytest.fixture(scope="module")
def whisper() -> FasterWhisperSpeechToText:
    stt = FasterWhisperSpeechToText(packaged_model(), beam_size=5)
    stt.load()  # verified and loaded once for the module
    return stt


async def test_the_demo_voice_is_transcribed_nearly_word_for_word(
    whisper: FasterWhisperSpeechToText, tmp_path: Path
) -> None:
    voice, _ = await make_demo_stems(tmp_path)
    transcription = await whisper.transcribe(voice, "en")
    transcript = transcription.transcript
    hypothesis = " ".join(s.text for s in transcript.segments)
    wer = word_error_rate(" ".join(DEFAULT_LINES), hypothesis)
    assert wer < DEMO_WER_THRESHOLD, hypothesis
    # One segment per spoken sentence, in order, each with timed words inside it.
    assert len(transcript.segments) == len(DEFAULT_LINES)
    previous_end = 0.0
    for i, segment in enumerate(transcript.segments):
        assert segment.index == i
        assert previous_end <= segment.start < segment.end <= transcript.duration_s + 0.05
        assert segment.words and segment.confidence is not None
        assert segment.words[0].start == segment.start and segment.words[-1].end == segment.end
        assert all(w.start <= w.end for w in segment.words)
        previous_end = segment.end
    (usage,) = transcription.usage
    assert usage.vendor == "faster-whisper" and usage.model == "whisper-tiny.en"
    assert usage.unit == "audio_seconds" and usage.amount == 0
    assert float(usage.quantity) == pytest.approx(transcript.duration_s, abs=0.01)


async def test_the_english_sample_of_human_speech(whisper: FasterWhisperSpeechToText) -> None:
    # The sample says "one two three" (its source project's tests expect that text).
    transcript = (await whisper.transcribe(ENGLISH, "en-US")).transcript
    words = [w.text for s in transcript.segments for w in s.words]
    assert word_error_rate("one two three", " ".join(words)) == 0.0


async def test_other_languages_are_refused_by_an_english_model(
    whisper: FasterWhisperSpeechToText,
) -> None:
    assert whisper.languages == ("en",)
    with pytest.raises(UnsupportedLanguage):
        await whisper.transcribe(ENGLISH, "fr")


async def test_a_model_that_is_not_the_pinned_one_is_not_loaded(tmp_path: Path) -> None:
    pinned = packaged_model()
    copy = tmp_path / "model"
    copy.mkdir()
    for file in pinned.folder.iterdir():
        if file.name == "model.bin":
            (copy / file.name).symlink_to(file)  # 75 MB: linked, not copied
        else:
            shutil.copyfile(file, copy / file.name)
    config = copy / "config.json"
    config.write_text(config.read_text().replace("50259", "50260", 1))
    stt = FasterWhisperSpeechToText(WhisperModelFiles(copy, pinned.sha256, pinned.name))
    with pytest.raises(ModelIntegrityError, match=r"config\.json has sha256"):
        await stt.transcribe(ENGLISH, "en")
