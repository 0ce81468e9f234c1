"""Wires the mixer to its engine and the mix's settings."""

from libs.config.settings import Settings
from libs.media.ducking import Ducking
from libs.media.loudness_plan import LoudnessTarget
from redub.runtime.connections import Connections
from services.mixer.engine import FfmpegMixEngine, InstantMixEngine, MixEngine, MixOptions
from services.mixer.handler import Mixer


def mix_options(settings: Settings) -> MixOptions:
    """The render's parameters from the settings (one block: `REDUB_MIX_*`)."""
    ducking = Ducking(
        depth_db=settings.mix_ducking_db,
        attack_s=settings.mix_ducking_attack_s,
        release_s=settings.mix_ducking_release_s,
    )
    return MixOptions(
        target=LoudnessTarget(
            integrated_lufs=settings.mix_loudness_lufs,
            true_peak_dbtp=settings.mix_true_peak_dbtp,
        ),
        ducking=ducking if settings.mix_ducking else None,
        max_ratio=settings.mix_stretch_cap,
    )


def build(settings: Settings, conns: Connections) -> Mixer:
    """The mixer stage with the configured engine (`ffmpeg` or `instant`)."""
    engine: MixEngine = (
        InstantMixEngine() if settings.mixer_engine == "instant" else FfmpegMixEngine()
    )
    return Mixer(engine, conns.blobs, mix_options(settings))
