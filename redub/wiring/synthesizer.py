"""Wires the synthesizer to its provider."""

from libs.config.settings import Settings
from redub.runtime.connections import Connections
from redub.runtime.providers import text_to_speech
from services.synthesizer.handler import Synthesizer


def build(settings: Settings, conns: Connections) -> Synthesizer:
    """The synthesizer stage with the configured speech synthesis provider."""
    return Synthesizer(text_to_speech(settings), conns.blobs)
