"""Chooses provider implementations by name (`REDUB_*_PROVIDER`)."""

from libs.config.settings import Settings
from libs.synthesis.espeak import EspeakTextToSpeech
from libs.synthesis.instant import InstantTextToSpeech
from libs.synthesis.provider import TextToSpeech
from libs.transcription.instant_stt import InstantSpeechToText
from libs.transcription.pocketsphinx_stt import PocketSphinxSpeechToText
from libs.transcription.provider import SpeechToText
from libs.translation.provider import Translator
from libs.translation.pseudo import PseudoTranslator


class UnknownProvider(ValueError):
    """A provider name no implementation answers to."""


def speech_to_text(settings: Settings) -> SpeechToText:
    """The configured speech-to-text provider."""
    match settings.stt_provider:
        case "pocketsphinx":
            return PocketSphinxSpeechToText()
        case "instant":
            return InstantSpeechToText()
    raise UnknownProvider(f"REDUB_STT_PROVIDER={settings.stt_provider!r}: use pocketsphinx|instant")


def translator(settings: Settings) -> Translator:
    """The configured translation provider."""
    if settings.translator_provider == "pseudo":
        return PseudoTranslator()
    raise UnknownProvider(f"REDUB_TRANSLATOR_PROVIDER={settings.translator_provider!r}: use pseudo")


def text_to_speech(settings: Settings) -> TextToSpeech:
    """The configured speech synthesis provider."""
    match settings.tts_provider:
        case "espeak":
            return EspeakTextToSpeech(executable=settings.espeak_bin)
        case "instant":
            return InstantTextToSpeech()
    raise UnknownProvider(f"REDUB_TTS_PROVIDER={settings.tts_provider!r}: use espeak|instant")
