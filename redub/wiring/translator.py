"""Wires the translator to its provider."""

from libs.config.settings import Settings
from libs.events.stage import Stage
from redub.runtime.connections import Connections
from redub.runtime.providers import translator
from services.translator.handler import TranslatorStage


def build(settings: Settings, conns: Connections) -> Stage:
    """The translator stage with the configured translation provider."""
    return TranslatorStage(translator(settings), conns.blobs)
