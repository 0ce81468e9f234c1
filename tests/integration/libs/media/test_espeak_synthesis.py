"""Real speech synthesis with the espeak-ng binary."""

import wave
from pathlib import Path

import pytest

from libs.synthesis.errors import SynthesisError, UnsupportedLanguage
from libs.synthesis.espeak import EspeakTextToSpeech
from libs.synthesis.provider import Voice


def voice(language: str) -> Voice:
    return EspeakTextToSpeech().voices(language)[0]


def _rms(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        data = memoryview(wav.readframes(wav.getnframes())).cast("h")
    return float((sum(s * s for s in data) / max(1, len(data))) ** 0.5 / 32768)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The quick brown fox jumps over the lazy dog."),
        ("fr", "Bonjour tout le monde, comment allez-vous aujourd'hui ?"),
        ("zh", "你好世界。今天天气很好。"),
    ],
)
async def test_synthesizes_a_wav_of_plausible_length(
    tmp_path: Path, language: str, text: str
) -> None:
    out = tmp_path / f"{language}.wav"
    speech = await EspeakTextToSpeech().synthesize(text, language, voice(language), out)
    duration = speech.duration_s
    with wave.open(str(out), "rb") as wav:
        header_seconds = wav.getnframes() / wav.getframerate()
        assert wav.getnchannels() == 1
    assert duration == pytest.approx(header_seconds)
    assert 0.8 < duration < 8.0
    assert _rms(out) > 0.01
    [usage] = speech.usage
    assert (usage.vendor, usage.unit, usage.quantity, usage.amount) == (
        "espeak",
        "characters",
        len(text),
        0,
    )


async def test_longer_text_takes_longer(tmp_path: Path) -> None:
    tts = EspeakTextToSpeech()
    short = await tts.synthesize("Hello.", "en", voice("en"), tmp_path / "short.wav")
    long = await tts.synthesize(
        "Hello. " * 6 + "That was a lot of greetings.", "en", voice("en"), tmp_path / "l.wav"
    )
    assert long.duration_s > 2 * short.duration_s


async def test_text_starting_with_a_dash_is_spoken_not_parsed(tmp_path: Path) -> None:
    speech = await EspeakTextToSpeech().synthesize(
        "-v means voice", "en", voice("en"), tmp_path / "d.wav"
    )
    assert speech.duration_s > 0.5


async def test_each_language_comes_in_distinct_male_and_female_variants(tmp_path: Path) -> None:
    voices = EspeakTextToSpeech().voices("ca")
    assert len({v.id for v in voices}) == len(voices) == 11
    assert {v.gender for v in voices} == {"male", "female"}
    assert all(v.id.startswith("ca+") and v.language == "ca" for v in voices)
    low = min(voices, key=lambda v: v.pitch_hz or 0)
    high = max(voices, key=lambda v: v.pitch_hz or 0)
    assert (low.gender, high.gender) == ("male", "female")
    tts = EspeakTextToSpeech()
    await tts.synthesize("Bon dia a tothom.", "ca", low, tmp_path / "low.wav")
    await tts.synthesize("Bon dia a tothom.", "ca", high, tmp_path / "high.wav")
    assert (tmp_path / "low.wav").read_bytes() != (tmp_path / "high.wav").read_bytes()


async def test_unsupported_language(tmp_path: Path) -> None:
    assert EspeakTextToSpeech().voices("tlh") == ()
    klingon = Voice(id="tlh", language="tlh", label="Klingon")
    with pytest.raises(UnsupportedLanguage, match="tlh"):
        await EspeakTextToSpeech().synthesize("Qapla'", "tlh", klingon, tmp_path / "x.wav")


async def test_empty_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SynthesisError):
        await EspeakTextToSpeech().synthesize("   ", "en", voice("en"), tmp_path / "x.wav")


async def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    tts = EspeakTextToSpeech(executable="espeak-ng-does-not-exist")
    with pytest.raises(SynthesisError, match="not installed"):
        await tts.synthesize("hello", "en", voice("en"), tmp_path / "x.wav")
