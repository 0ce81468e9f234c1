"""How the mixer renders audio: ffmpeg for real, or an instant stand-in for benchmarks."""

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from libs.media.mixdown import PlacedClip, render_dub
from libs.synthesis.instant import SAMPLE_RATE, silence_duration, write_silence


class MixEngine(Protocol):
    """Renders the dubbed voice stem and the mix."""

    name: str

    async def render(
        self, background: Path, clips: Sequence[PlacedClip], voice_out: Path, mix_out: Path
    ) -> None: ...


class FfmpegMixEngine:
    """Clips placed at their start times over the background, with ffmpeg."""

    name = "ffmpeg"

    async def render(
        self, background: Path, clips: Sequence[PlacedClip], voice_out: Path, mix_out: Path
    ) -> None:
        await render_dub(background, clips, voice_out, mix_out)


class InstantMixEngine:
    """Writes short silent files at once: measures the pipeline, not the mixing."""

    name = "instant"

    async def render(
        self, background: Path, clips: Sequence[PlacedClip], voice_out: Path, mix_out: Path
    ) -> None:
        # A few KiB each, written on the loop: a worker-thread hop would cost more.
        frames = round(silence_duration("") * SAMPLE_RATE)
        for path in (voice_out, mix_out):
            write_silence(path, frames)
