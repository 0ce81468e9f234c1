"""Chooses provider implementations by name (`REDUB_*_PROVIDER`)."""

from libs.config.settings import Settings
from libs.languages.support import LanguageSupport, primary
from libs.synthesis.espeak import EspeakTextToSpeech
from libs.synthesis.instant import InstantTextToSpeech
from libs.synthesis.provider import TextToSpeech
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from libs.transcription.instant_stt import InstantSpeechToText
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from libs.transcription.provider import SpeechToText
from libs.transcription.whisper_model import model_files
from libs.translation.apertium import ApertiumTranslator
from libs.translation.provider import Translator
from libs.translation.pseudo import PseudoTranslator


class UnknownProvider(ValueError):
    """A provider name no implementation answers to."""


def speech_to_text(settings: Settings) -> SpeechToText:
    """The configured speech-to-text provider."""
    match settings.stt_provider:
        case "faster-whisper":
            return FasterWhisperSpeechToText(
                model_files(settings.whisper_model_dir, settings.whisper_model_sha256),
                beam_size=settings.whisper_beam_size,
                compute_type=settings.whisper_compute_type,
                cpu_threads=settings.whisper_cpu_threads,
            )
        case "pocketsphinx":
            return PocketSphinxSpeechToText()
        case "instant":
            return InstantSpeechToText()
    raise UnknownProvider(
        f"REDUB_STT_PROVIDER={settings.stt_provider!r}: use faster-whisper|pocketsphinx|instant"
    )


def translator(settings: Settings) -> Translator:
    """The configured translation provider."""
    match settings.translator_provider:
        case "apertium":
            return ApertiumTranslator(
                executable=settings.apertium_bin, modes_dir=settings.apertium_modes_dir
            )
        case "pseudo":
            # Tests and benchmarks only: it marks text and translates nothing.
            return PseudoTranslator()
    raise UnknownProvider(
        f"REDUB_TRANSLATOR_PROVIDER={settings.translator_provider!r}: use apertium|pseudo"
    )


def text_to_speech(settings: Settings) -> TextToSpeech:
    """The configured speech synthesis provider."""
    match settings.tts_provider:
        case "espeak":
            return EspeakTextToSpeech(executable=settings.espeak_bin)
        case "instant":
            return InstantTextToSpeech()
    raise UnknownProvider(f"REDUB_TTS_PROVIDER={settings.tts_provider!r}: use espeak|instant")


def language_support(settings: Settings) -> LanguageSupport:
    """What the configured providers can do, asked of them without running any of them."""
    stt = speech_to_text(settings)
    translation = translator(settings)
    tts = text_to_speech(settings)
    pairs = translation.pairs()
    # A provider that says which languages it hears (faster-whisper, pocketsphinx) is
    # taken at its word; one that does not (the instant test provider) hears anything.
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
        tts_provider=tts.name,
        tts_model=tts.model,
        tts_languages=tuple(lang for lang in candidates if tts.voices(primary(lang))),
    )
