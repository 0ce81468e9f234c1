"""Chooses provider implementations by name (`REDUB_*_PROVIDER`); a vendor whose key is set
is the default for what it does unless a provider is named explicitly.

The vendors' SDKs are imported only when a vendor is used: together they take seconds to
import, which an offline process should not pay at every start.
"""

from typing import TYPE_CHECKING

from libs.billing.price_table import DEFAULT_PRICE_TABLE
from libs.config.settings import Settings
from libs.languages.support import LanguageSupport, primary
from libs.synthesis.espeak import EspeakTextToSpeech
from libs.synthesis.instant import InstantTextToSpeech
from libs.synthesis.provider import TextToSpeech
from libs.synthesis.provider_table import SpeechProviders
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from libs.transcription.instant_stt import InstantSpeechToText
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from libs.transcription.provider import SpeechToText
from libs.transcription.whisper_model import model_files
from libs.translation.apertium import ApertiumTranslator
from libs.translation.provider import Translator
from libs.translation.pseudo import PseudoTranslator
from libs.translation.shortener import Shortener
from redub.runtime.vendors import VendorSessions

if TYPE_CHECKING:
    from libs.synthesis.elevenlabs_tts import ElevenLabsTextToSpeech
    from libs.translation.openai_translator import OpenAITranslator


class UnknownProvider(ValueError):
    """A provider name no implementation answers to."""


def _vendor_default(
    settings: Settings, field: str, vendors: VendorSessions | None, vendor: str
) -> bool:
    """Use `vendor` for `field`: named explicitly, or its key set and no provider named."""
    named = getattr(settings, field)
    if named == vendor:
        return True
    return (
        vendors is not None
        and field not in settings.model_fields_set
        and vendors.configured(vendor)
    )


def speech_to_text(settings: Settings, vendors: VendorSessions | None = None) -> SpeechToText:
    """The configured speech-to-text provider."""
    if _vendor_default(settings, "stt_provider", vendors, "deepgram"):
        from libs.transcription.deepgram_stt import DeepgramSpeechToText

        vendors = vendors or VendorSessions(settings)
        return DeepgramSpeechToText(
            vendors.get("deepgram"),
            model=settings.deepgram_stt_model,
            diarize=settings.deepgram_diarize,
            prices=vendors.prices,
        )
    # Offline work is priced at zero, under the same table's version stamp.
    prices = vendors.prices if vendors is not None else DEFAULT_PRICE_TABLE
    match settings.stt_provider:
        case "faster-whisper":
            return FasterWhisperSpeechToText(
                model_files(settings.whisper_model_dir, settings.whisper_model_sha256),
                beam_size=settings.whisper_beam_size,
                compute_type=settings.whisper_compute_type,
                cpu_threads=settings.whisper_cpu_threads,
                prices=prices,
            )
        case "pocketsphinx":
            return PocketSphinxSpeechToText(prices=prices)
        case "instant":
            return InstantSpeechToText(prices=prices)
    raise UnknownProvider(
        f"REDUB_STT_PROVIDER={settings.stt_provider!r}: use deepgram|faster-whisper|pocketsphinx|instant"
    )


def translator(settings: Settings, vendors: VendorSessions | None = None) -> Translator:
    """The configured translation provider."""
    if _vendor_default(settings, "translator_provider", vendors, "openai"):
        return openai_translator(settings, vendors or VendorSessions(settings))
    prices = vendors.prices if vendors is not None else DEFAULT_PRICE_TABLE
    match settings.translator_provider:
        case "apertium":
            return ApertiumTranslator(
                executable=settings.apertium_bin,
                modes_dir=settings.apertium_modes_dir,
                prices=prices,
            )
        case "pseudo":
            # Tests and benchmarks only: it marks text and translates nothing.
            return PseudoTranslator(prices=prices)
    raise UnknownProvider(
        f"REDUB_TRANSLATOR_PROVIDER={settings.translator_provider!r}: use openai|apertium|pseudo"
    )


def openai_translator(settings: Settings, vendors: VendorSessions) -> "OpenAITranslator":
    """The OpenAI (or OpenAI-compatible) translator."""
    from libs.translation.openai_translator import OpenAITranslator

    return OpenAITranslator(
        vendors.get("openai"),
        model=settings.openai_model,
        batch_lines=settings.openai_batch_lines,
        context_lines=settings.openai_context_lines,
        prices=vendors.prices,
    )


def shortener(settings: Settings, vendors: VendorSessions | None) -> Shortener | None:
    """Who shortens a spoken line that overflows its slot: the OpenAI translator when its
    key is set, else nobody (the mixer stretches what it can)."""
    if vendors is None or not vendors.configured("openai"):
        return None
    return openai_translator(settings, vendors)


def text_to_speech(settings: Settings) -> TextToSpeech:
    """The configured offline speech synthesis provider."""
    match settings.tts_provider:
        case "espeak":
            return EspeakTextToSpeech(executable=settings.espeak_bin)
        case "instant":
            return InstantTextToSpeech()
    raise UnknownProvider(f"REDUB_TTS_PROVIDER={settings.tts_provider!r}: use espeak|instant")


def speech_providers(settings: Settings, vendors: VendorSessions | None = None) -> SpeechProviders:
    """The per-language provider table: `REDUB_TTS_ORDER`, or the vendors with a key then
    `REDUB_TTS_PROVIDER`; ElevenLabs as the premium voice when flagged on and keyed."""
    vendors = vendors or VendorSessions(settings)
    names = list(settings.tts_order)
    if not names:
        names = [v for v in ("deepgram",) if vendors.configured(v)] + [settings.tts_provider]
    order: list[TextToSpeech] = []
    for name in dict.fromkeys(names):
        if name == "deepgram":
            if vendors.configured("deepgram"):
                from libs.synthesis.deepgram_tts import DeepgramTextToSpeech

                order.append(DeepgramTextToSpeech(vendors.get("deepgram"), prices=vendors.prices))
        elif name == "elevenlabs":
            if vendors.configured("elevenlabs"):
                order.append(elevenlabs(settings, vendors))
        else:
            order.append(text_to_speech(settings.model_copy(update={"tts_provider": name})))
    premium = (
        elevenlabs(settings, vendors)
        if settings.premium_voices and vendors.configured("elevenlabs")
        else None
    )
    return SpeechProviders(order=order, premium=premium)


def elevenlabs(settings: Settings, vendors: VendorSessions) -> "ElevenLabsTextToSpeech":
    """ElevenLabs speech."""
    from libs.synthesis.elevenlabs_tts import ElevenLabsTextToSpeech

    return ElevenLabsTextToSpeech(
        vendors.get("elevenlabs"), model=settings.elevenlabs_model, prices=vendors.prices
    )


def language_support(
    settings: Settings,
    vendors: VendorSessions | None = None,
    speech: SpeechProviders | None = None,
) -> LanguageSupport:
    """What the configured providers can do, asked of them without running any of them
    (`speech`: the speech providers already made, else they are made here)."""
    stt = speech_to_text(settings, vendors)
    translation = translator(settings, vendors)
    speech = speech or speech_providers(settings, vendors)
    pairs = translation.pairs()
    # A provider that says which languages it hears (faster-whisper, pocketsphinx) is
    # taken at its word; one that does not (a vendor, the instant test provider) hears any.
    heard = getattr(stt, "languages", None)
    candidates = dict.fromkeys([*settings.supported_languages, *(t for _, t in pairs or ())])
    return LanguageSupport(
        allowed=tuple(settings.supported_languages),
        stt_provider=stt.name,
        stt_model=stt.model,
        stt_languages=tuple(heard) if heard is not None else None,
        translator=translation.name,
        translator_model=translation.model,
        translation_pairs=frozenset(pairs) if pairs is not None else None,
        tts_provider=", ".join(speech.names()),
        tts_model=None,
        tts_languages=tuple(
            lang for lang in candidates if speech.for_language(primary(lang)) is not None
        ),
    )
