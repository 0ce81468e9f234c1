"""Wires the transcriber to its provider."""

from libs.config.settings import Settings
from libs.transcription.faster_whisper_stt import FasterWhisperSpeechToText
from redub.runtime.connections import Connections
from redub.runtime.providers import speech_to_text
from services.transcriber.handler import Transcriber


def build(settings: Settings, conns: Connections) -> Transcriber:
    """The transcriber stage with the configured speech-to-text provider."""
    stt = speech_to_text(settings, conns.vendors)
    if isinstance(stt, FasterWhisperSpeechToText):
        # Verified and loaded before the first job: a model that is not the one pinned stops
        # the service at start with its reason, instead of failing every job.
        stt.load()
    return Transcriber(stt, conns.blobs, measure_pitch=settings.measure_voice_pitch)
