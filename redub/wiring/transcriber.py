"""Wires the transcriber to its provider."""

from libs.config.settings import Settings
from redub.runtime.connections import Connections
from redub.runtime.providers import speech_to_text
from services.transcriber.handler import Transcriber


def build(settings: Settings, conns: Connections) -> Transcriber:
    """The transcriber stage with the configured speech-to-text provider."""
    return Transcriber(speech_to_text(settings, conns.vendors), conns.blobs)
