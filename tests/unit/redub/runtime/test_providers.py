"""Provider choice from settings: offline with no key, a vendor where its key is set."""

import pytest

from libs.config.settings import Settings
from libs.synthesis.deepgram_tts import DeepgramTextToSpeech
from libs.synthesis.elevenlabs_tts import ElevenLabsTextToSpeech
from libs.synthesis.espeak import EspeakTextToSpeech
from libs.transcription.deepgram_stt import DeepgramSpeechToText
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from libs.transcription.instant_stt import InstantSpeechToText
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from libs.translation.apertium import ApertiumTranslator
from libs.translation.openai_translator import OpenAITranslator
from libs.translation.pseudo import PseudoTranslator
from redub.runtime.providers import shortener, speech_providers, speech_to_text, translator
from redub.runtime.vendors import VendorNotConfigured, VendorSessions

KEYS = ("DEEPGRAM_API_KEY", "OPENAI_API_KEY", "ELEVENLABS_API_KEY")


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEYS + tuple(f"REDUB_{k}" for k in KEYS) + ("REDUB_STT_PROVIDER",):
        monkeypatch.delenv(name, raising=False)


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


async def test_with_no_keys_everything_stays_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch)
    vendors = VendorSessions(s)
    assert isinstance(speech_to_text(s, vendors), FasterWhisperSpeechToText)
    assert isinstance(translator(s, vendors), ApertiumTranslator)
    table = speech_providers(s, vendors)
    assert [type(t) for t in table.order] == [EspeakTextToSpeech] and table.premium is None
    assert shortener(s, vendors) is None
    with pytest.raises(VendorNotConfigured):
        vendors.get("deepgram")


async def test_keys_make_their_vendors_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(
        monkeypatch,
        DEEPGRAM_API_KEY="dg",
        OPENAI_API_KEY="oa",
        OPENAI_BASE_URL="http://127.0.0.1:1/v1",
    )
    vendors = VendorSessions(s)
    try:
        assert isinstance(speech_to_text(s, vendors), DeepgramSpeechToText)
        assert isinstance(translator(s, vendors), OpenAITranslator)
        assert isinstance(shortener(s, vendors), OpenAITranslator)
        table = speech_providers(s, vendors)
        assert [type(t) for t in table.order] == [DeepgramTextToSpeech, EspeakTextToSpeech]
        assert vendors.get("openai").config.base_url == "http://127.0.0.1:1/v1"
        assert vendors.get("deepgram") is vendors.get("deepgram"), "one session per process"
    finally:
        await vendors.close()


async def test_a_provider_named_explicitly_wins_over_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    s = settings(monkeypatch, DEEPGRAM_API_KEY="dg", REDUB_STT_PROVIDER="instant")
    vendors = VendorSessions(s)
    assert isinstance(speech_to_text(s, vendors), InstantSpeechToText)
    await vendors.close()


async def test_premium_voices_need_the_flag_and_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    keyed = settings(monkeypatch, ELEVENLABS_API_KEY="el")
    assert speech_providers(keyed, VendorSessions(keyed)).premium is None, "flag off"
    flagged = settings(monkeypatch, ELEVENLABS_API_KEY="el", REDUB_PREMIUM_VOICES="true")
    vendors = VendorSessions(flagged)
    assert isinstance(speech_providers(flagged, vendors).premium, ElevenLabsTextToSpeech)
    await vendors.close()


async def test_the_tts_order_setting_is_the_per_language_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = settings(monkeypatch, DEEPGRAM_API_KEY="dg", REDUB_TTS_ORDER='["espeak", "deepgram"]')
    vendors = VendorSessions(s)
    table = speech_providers(s, vendors)
    assert [t.name for t in table.order] == ["espeak", "deepgram"]
    await vendors.close()


async def test_the_smaller_offline_providers_stay_selectable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = settings(monkeypatch, REDUB_STT_PROVIDER="pocketsphinx", REDUB_TRANSLATOR_PROVIDER="pseudo")
    assert isinstance(speech_to_text(s), PocketSphinxSpeechToText)
    assert isinstance(translator(s), PseudoTranslator)
