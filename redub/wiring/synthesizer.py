"""Wires the synthesizer to its providers."""

from libs.config.settings import Settings
from redub.runtime.connections import Connections
from redub.runtime.providers import shortener, speech_providers
from services.synthesizer.handler import Synthesizer


def build(settings: Settings, conns: Connections) -> Synthesizer:
    """The synthesizer with the per-language provider table, and the shortener when the
    translation vendor is configured."""
    return Synthesizer(
        speech_providers(settings, conns.vendors),
        conns.blobs,
        line_concurrency=settings.synth_line_concurrency,
        shortener=shortener(settings, conns.vendors),
        prices=conns.vendors.prices,
    )
