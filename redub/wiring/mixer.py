"""Wires the mixer to its engine."""

from libs.config.settings import Settings
from redub.runtime.connections import Connections
from services.mixer.engine import FfmpegMixEngine, InstantMixEngine, MixEngine
from services.mixer.handler import Mixer


def build(settings: Settings, conns: Connections) -> Mixer:
    """The mixer stage with the configured engine (`ffmpeg` or `instant`)."""
    engine: MixEngine = (
        InstantMixEngine() if settings.mixer_engine == "instant" else FfmpegMixEngine()
    )
    return Mixer(engine, conns.blobs)
