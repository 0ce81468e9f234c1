"""Renders the dubbed voice stem and the final mix (voice over background) with ffmpeg."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.probe import probe_duration
from libs.media.wav import wav_duration

OUTPUT_SAMPLE_RATE = 48_000


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A synthesised line and where it starts on the timeline (seconds)."""

    path: Path
    start: float


@dataclass(frozen=True, slots=True)
class MixResult:
    """Durations (seconds) of the background and of the two rendered files."""

    background_duration_s: float
    voice_duration_s: float
    mix_duration_s: float


async def render_dub(
    background: Path,
    clips: Sequence[PlacedClip],
    voice_out: Path,
    mix_out: Path,
    *,
    background_gain_db: float = -4.0,
) -> MixResult:
    """Write a 48 kHz mono voice-stem WAV and a 48 kHz stereo mix WAV, both as long as `background`.

    Clips past the end of the background are cut; overlapping clips are summed.
    """
    background_s = await probe_duration(background)
    total_samples = round(background_s * OUTPUT_SAMPLE_RATE)
    await asyncio.to_thread(_check_paths, clips, (voice_out, mix_out))
    graph = dub_filtergraph(
        [clip.start for clip in clips], total_samples, background_gain_db=background_gain_db
    )
    args = ["-i", str(background)]
    for clip in clips:
        args += ["-i", str(clip.path)]
    args += ["-filter_complex", graph]
    args += ["-map", "[vstem]", "-c:a", "pcm_s16le", str(voice_out)]
    args += ["-map", "[mix]", "-c:a", "pcm_s16le", str(mix_out)]
    try:
        await run_ffmpeg(args, what=f"rendering the dub over {background.name}")
    except (MediaError, asyncio.CancelledError):
        # Synchronous on purpose: a cancelled task cannot reliably await its cleanup.
        _discard((voice_out, mix_out))
        raise
    voice_s, mix_s = await asyncio.to_thread(
        lambda: (wav_duration(voice_out), wav_duration(mix_out))
    )
    return MixResult(
        background_duration_s=background_s, voice_duration_s=voice_s, mix_duration_s=mix_s
    )


def _check_paths(clips: Sequence[PlacedClip], outputs: Sequence[Path]) -> None:
    for clip in clips:
        if not clip.path.is_file():
            raise MediaError(f"voice clip not found: {clip.path}")
    for out in outputs:
        out.parent.mkdir(parents=True, exist_ok=True)


def _discard(outputs: Sequence[Path]) -> None:
    """Remove half-written outputs so they are never mistaken for results."""
    for out in outputs:
        out.unlink(missing_ok=True)


def dub_filtergraph(
    starts: Sequence[float], total_samples: int, *, background_gain_db: float
) -> str:
    """The ffmpeg filter_complex: input 0 is the background, inputs 1..n the clips (pure)."""
    rate = OUTPUT_SAMPLE_RATE
    chains = [
        # A silent bed of exactly the background's length keeps the stem length independent
        # of where (or whether) clips are placed.
        f"anullsrc=r={rate}:cl=mono,atrim=end_sample={total_samples}[vbase]",
    ]
    for i, start in enumerate(starts, start=1):
        delay = max(0, round(start * rate))
        chains.append(
            f"[{i}:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts=mono,"
            f"adelay=delays={delay}S:all=1[c{i}]"
        )
    if starts:
        labels = "".join(f"[c{i}]" for i in range(1, len(starts) + 1))
        # normalize=0: amix would otherwise scale every input down by the number of inputs.
        chains.append(
            f"[vbase]{labels}amix=inputs={len(starts) + 1}:duration=first:"
            "dropout_transition=0:normalize=0[voice]"
        )
    else:
        chains.append("[vbase]anull[voice]")
    chains += [
        "[voice]asplit=2[vstem][vmix]",
        # pan keeps the voice at unity on both channels (an implicit upmix would drop it 3 dB).
        "[vmix]pan=stereo|c0=c0|c1=c0[vstereo]",
        f"[0:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts=stereo,"
        f"apad=whole_len={total_samples},atrim=end_sample={total_samples},"
        f"volume={background_gain_db}dB[bg]",
        "[bg][vstereo]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mix]",
    ]
    return ";".join(chains)
