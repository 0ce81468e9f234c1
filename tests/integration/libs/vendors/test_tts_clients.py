"""Deepgram Aura-2 and ElevenLabs speech against the local fake of their wire formats."""

import wave
from pathlib import Path

import pytest

from libs.synthesis.deepgram_tts import DeepgramTextToSpeech
from libs.synthesis.elevenlabs_tts import ElevenLabsTextToSpeech
from libs.synthesis.errors import UnsupportedLanguage
from libs.synthesis.provider import TextToSpeech, Voice
from libs.vendors.errors import VendorPermanentError, VendorTransientError
from tests.support.fake_vendors import SECONDS_PER_CHARACTER, FakeVendors, Reply
from tests.support.vendor_sessions import session

TEXT = "Bonjour tout le monde, comment allez-vous ?"


def deepgram(url: str) -> DeepgramTextToSpeech:
    return DeepgramTextToSpeech(session("deepgram", url))


def elevenlabs(url: str) -> ElevenLabsTextToSpeech:
    return ElevenLabsTextToSpeech(session("elevenlabs", url))


def first_voice(tts: TextToSpeech, language: str) -> Voice:
    return tts.voices(language)[0]


async def test_aura_sends_the_voice_as_model_and_asks_for_raw_pcm(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    tts = deepgram(fake_vendors.url)
    voice = first_voice(tts, "fr")
    assert voice.id == "aura-2-agathe-fr"
    out = tmp_path / "clip.wav"
    speech = await tts.synthesize(TEXT, "fr", voice, out)

    [sent] = fake_vendors.calls("speak")
    assert sent.path == "/v1/speak"
    assert sent.headers["authorization"] == "Token test-deepgram-key"
    assert sent.query == {
        "model": "aura-2-agathe-fr",
        "encoding": "linear16",
        "container": "none",
        "sample_rate": "24000",
    }
    assert sent.json() == {"text": TEXT}
    with wave.open(str(out)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24_000)
        assert wav.getnframes() / 24_000 == pytest.approx(speech.duration_s)
    assert speech.duration_s == pytest.approx(len(TEXT) * SECONDS_PER_CHARACTER, abs=0.01)
    [usage] = speech.usage
    assert (usage.vendor, usage.model, usage.unit, usage.quantity) == (
        "deepgram",
        "aura-2",
        "characters",
        len(TEXT),
    )
    assert usage.amount > 0


def test_aura_voices_by_language_and_none_where_it_does_not_speak() -> None:
    tts = DeepgramTextToSpeech(session("deepgram", "http://127.0.0.1:9"))
    assert {v.language for v in tts.voices("es-MX")} == {"es"}
    assert len(tts.voices("en")) >= 4 and len({v.gender for v in tts.voices("en")}) == 2
    assert tts.voices("ca") == ()


async def test_a_language_aura_lacks_is_refused_before_any_call(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    with pytest.raises(UnsupportedLanguage):
        await deepgram(fake_vendors.url).synthesize(
            "Bon dia", "ca", Voice("x", "ca", "x"), tmp_path / "x.wav"
        )
    assert fake_vendors.requests == []


async def test_elevenlabs_sends_the_documented_request(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    tts = elevenlabs(fake_vendors.url)
    voice = first_voice(tts, "fr")
    speech = await tts.synthesize(TEXT, "fr", voice, tmp_path / "clip.wav")
    [sent] = fake_vendors.calls("elevenlabs")
    assert sent.path == f"/v1/text-to-speech/{voice.id}"
    assert sent.headers["xi-api-key"] == "test-elevenlabs-key"
    assert sent.query["output_format"] == "pcm_24000"
    body = sent.json()
    assert isinstance(body, dict)
    assert body["text"] == TEXT and body["model_id"] == "eleven_multilingual_v2"
    assert body["language_code"] == "fr"
    assert speech.duration_s == pytest.approx(len(TEXT) * SECONDS_PER_CHARACTER, abs=0.01)
    [usage] = speech.usage
    assert (usage.vendor, usage.model, usage.quantity) == (
        "elevenlabs",
        "eleven_multilingual_v2",
        len(TEXT),
    )


@pytest.mark.parametrize("make", [deepgram, elevenlabs], ids=["deepgram", "elevenlabs"])
async def test_rate_limit_then_success(
    fake_vendors: FakeVendors, tmp_path: Path, make: object
) -> None:
    tts = make(fake_vendors.url)  # type: ignore[operator]
    route = "speak" if isinstance(tts, DeepgramTextToSpeech) else "elevenlabs"
    fake_vendors.script(route, Reply(429, {"err_msg": "slow down"}, {"Retry-After": "0.1"}))
    speech = await tts.synthesize(TEXT, "en", first_voice(tts, "en"), tmp_path / "a.wav")
    assert speech.duration_s > 0
    assert len(fake_vendors.calls(route)) == 2


@pytest.mark.parametrize("make", [deepgram, elevenlabs], ids=["deepgram", "elevenlabs"])
async def test_server_errors_become_transient_and_refusals_permanent(
    fake_vendors: FakeVendors, tmp_path: Path, make: object
) -> None:
    tts = make(fake_vendors.url)  # type: ignore[operator]
    route = "speak" if isinstance(tts, DeepgramTextToSpeech) else "elevenlabs"
    voice = first_voice(tts, "en")
    fake_vendors.script(route, *[Reply(502, b"bad gateway")] * 3)
    with pytest.raises(VendorTransientError, match="HTTP 502"):
        await tts.synthesize(TEXT, "en", voice, tmp_path / "a.wav")
    refusal = {
        "detail": {"status": "quota_exceeded", "message": "This request exceeds your quota."}
    }
    fake_vendors.script(route, Reply(401, refusal))
    with pytest.raises(VendorPermanentError, match="exceeds your quota"):
        await tts.synthesize(TEXT, "en", voice, tmp_path / "b.wav")
    assert len(fake_vendors.calls(route)) == 4


@pytest.mark.parametrize("make", [deepgram, elevenlabs], ids=["deepgram", "elevenlabs"])
async def test_an_empty_answer_is_malformed(
    fake_vendors: FakeVendors, tmp_path: Path, make: object
) -> None:
    tts = make(fake_vendors.url)  # type: ignore[operator]
    route = "speak" if isinstance(tts, DeepgramTextToSpeech) else "elevenlabs"
    fake_vendors.script(route, *[Reply(200, b"")] * 3)
    with pytest.raises(VendorTransientError, match="malformed"):
        await tts.synthesize(TEXT, "en", first_voice(tts, "en"), tmp_path / "a.wav")


async def test_concurrent_calls_stay_within_the_vendors_bound(
    fake_vendors: FakeVendors, tmp_path: Path
) -> None:
    import asyncio

    fake_vendors.latency_s = 0.05
    tts = DeepgramTextToSpeech(session("deepgram", fake_vendors.url, limit=3))
    voice = first_voice(tts, "en")
    await asyncio.gather(
        *(tts.synthesize(f"Line {i}", "en", voice, tmp_path / f"{i}.wav") for i in range(12))
    )
    assert fake_vendors.max_in_flight == 3
