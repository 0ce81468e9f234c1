"""Wires the translator to its provider."""

from libs.config.settings import Settings
from libs.translation.glossary import load_glossary
from redub.runtime.connections import Connections
from redub.runtime.providers import translator
from services.translator.handler import TranslatorStage


def build(settings: Settings, conns: Connections) -> TranslatorStage:
    """The translator stage with the configured translation provider and glossary."""
    return TranslatorStage(
        translator(settings, conns.vendors),
        conns.blobs,
        glossary=load_glossary(settings.glossary_file),
    )
