"""Wires the translator to its provider."""

from libs.config.settings import Settings
from redub.runtime.connections import Connections
from redub.runtime.providers import translator
from services.translator.handler import TranslatorStage


def build(settings: Settings, conns: Connections) -> TranslatorStage:
    """The translator stage with the configured translation provider."""
    return TranslatorStage(translator(settings), conns.blobs)
