import wave
from pathlib import Path

import pytest

from libs.synthesis.instant import InstantTextToSpeech, silence_duration


def test_duration_grows_with_text_within_bounds() -> None:
    assert silence_duration("") == 0.2
    assert silence_duration("a" * 50) == pytest.approx(3.0)
    assert silence_duration("a" * 10_000) == 10.0
    assert silence_duration("short") < silence_duration("a much longer sentence")


async def test_writes_a_silent_wav_of_the_returned_duration(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "line.wav"
    tts = InstantTextToSpeech()
    [voice] = tts.voices("fr")
    speech = await tts.synthesize("Hello there, general.", "fr", voice, out)
    duration = speech.duration_s
    with wave.open(str(out), "rb") as wav:
        assert wav.getnchannels() == 1
        assert wav.getframerate() == 16_000
        assert wav.getnframes() / wav.getframerate() == pytest.approx(duration)
        assert set(wav.readframes(wav.getnframes())) == {0}
    assert duration == pytest.approx(silence_duration("Hello there, general."))
    [usage] = speech.usage
    assert (usage.vendor, usage.quantity, usage.amount) == ("instant", 21, 0)
