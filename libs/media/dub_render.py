"""Renders a language's dub: the voice stem and the mix, as 48 kHz WAV and AAC, exactly as
long as the background, the mix normalised to a loudness target measured on the output."""

import asyncio
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from libs.media.decoded_length import decoded_frames
from libs.media.ducking import DuckEnvelope, Ducking, speech_spans
from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg_from, run_ffmpeg_logged
from libs.media.loudness_plan import GainPlan, LoudnessTarget, corrected_plan, first_plan, meets
from libs.media.loudness_report import CurvePoint, Loudness, loudness_summary, short_term_curve
from libs.media.mix_graph import RATE, RenderLabels, measure_graph, render_graph
from libs.media.voice_stem import PlacedLine, line_spans, write_stem

# Renders after the first measurement, each corrected from the last output's measurement.
MAX_RENDERS = 4
MIX_AAC_BITRATE = "192k"
VOICE_AAC_BITRATE = "128k"
# ffmpeg's AAC encoder with its fast coder: half the CPU of the default (two-loop) search,
# and at these bit rates the difference is not audible on speech over a bed.
AAC = ["-c:a", "aac", "-aac_coder", "fast"]
# The .m4a's edit list skips the encoder's 1024 priming samples and ends on the programme's
# last sample, but it counts in the movie timescale, a millisecond by default: at 48 000 a
# second the declared length is exact to the sample. (ffmpeg 5.1 still decodes the last
# frame whole, up to 1023 samples of padding; players that honour the edit list do not.)
M4A = ["-movie_timescale", str(RATE)]


@dataclass(frozen=True, slots=True)
class DubOutputs:
    """Where the four rendered files go."""

    mix_wav: Path
    mix_aac: Path
    voice_wav: Path
    voice_aac: Path

    def all(self) -> tuple[Path, Path, Path, Path]:
        return (self.mix_wav, self.mix_aac, self.voice_wav, self.voice_aac)


@dataclass(frozen=True, slots=True)
class DubRender:
    """What the render measured: the programme's length, the mix's loudness on the output."""

    frames: int
    loudness: Loudness  # of the delivered mix WAV's samples
    gain_db: float  # applied to the mix and the voice stem alike
    limited: bool
    on_target: bool
    curve: list[CurvePoint]

    @property
    def duration_s(self) -> float:
        return self.frames / RATE


async def render_dub(
    background: Path,
    lines: Sequence[PlacedLine],
    outputs: DubOutputs,
    *,
    target: LoudnessTarget,
    ducking: Ducking | None,
    frames: int | None = None,
) -> DubRender:
    """Mix the lines over `background` and write `outputs`; MediaError (nothing left) if not.

    `frames`: the background's decoded length at 48 kHz, if already counted.
    """
    if not await asyncio.to_thread(background.is_file):
        raise MediaError("the background stem is missing")
    spans = await asyncio.to_thread(line_spans, lines)
    if frames is None:
        frames = await decoded_frames(background, RATE)
    if frames == 0:
        raise MediaError("the background stem holds no audio: there is no programme to dub")
    envelope = None
    if ducking is not None and ducking.depth_db > 0:
        merged = speech_spans([(s.start, s.end) for s in spans], hold=round(ducking.hold_s * RATE))
        envelope = DuckEnvelope(merged, ducking, RATE)
    feed = functools.partial(write_stem, spans=spans, total_frames=frames, envelope=envelope)
    await asyncio.to_thread(_make_parents, outputs)
    try:
        log = await run_ffmpeg_logged(
            [
                *_inputs(background),
                "-filter_complex",
                measure_graph(frames),
                "-map",
                "[meter]",
                "-f",
                "null",
                "-",
            ],
            what="measuring the mix's loudness",
            feed=feed,
        )
        plan = first_plan(loudness_summary(log), target)
        before: tuple[GainPlan, Loudness] | None = None
        for attempt in range(1, MAX_RENDERS + 1):
            measured, curve = await _render(background, frames, plan, outputs, feed)
            if meets(measured, target) or attempt == MAX_RENDERS:
                break
            plan, before = corrected_plan(plan, measured, target, before=before), (plan, measured)
    except BaseException:
        # Synchronous on purpose: a cancelled task cannot reliably await its cleanup.
        for path in outputs.all():
            path.unlink(missing_ok=True)
        raise
    return DubRender(
        frames=frames,
        loudness=measured,
        gain_db=plan.gain_db,
        limited=plan.limit_dbfs is not None,
        on_target=meets(measured, target),
        curve=curve,
    )


async def _render(
    background: Path,
    frames: int,
    plan: GainPlan,
    outputs: DubOutputs,
    feed: functools.partial[None],
) -> tuple[Loudness, list[CurvePoint]]:
    """The WAVs and the meter in one ffmpeg; the AAC files in two more at the same time, fed
    raw float samples through pipes (ffmpeg 5 runs one graph and its encoders on one core)."""
    labels = RenderLabels()
    wav = ["-c:a", "pcm_s24le", "-rf64", "auto"]
    mix_read, mix_write = os.pipe()
    voice_read, voice_write = os.pipe()
    raw = ["-f", "f32le", "-ar", str(RATE)]
    args = [*_inputs(background), "-filter_complex", render_graph(frames, plan, labels)]
    args += ["-map", f"[{labels.mix_wav}]", *wav, str(outputs.mix_wav)]
    args += ["-map", f"[{labels.mix_aac}]", *raw, "-ac", "2", f"pipe:{mix_write}"]
    args += ["-map", f"[{labels.voice_wav}]", *wav, str(outputs.voice_wav)]
    args += ["-map", f"[{labels.voice_aac}]", *raw, "-ac", "1", f"pipe:{voice_write}"]
    args += ["-map", f"[{labels.meter}]", "-f", "null", "-"]
    encoders = [
        (mix_read, 2, MIX_AAC_BITRATE, outputs.mix_aac),
        (voice_read, 1, VOICE_AAC_BITRATE, outputs.voice_aac),
    ]
    pipes = {mix_read, mix_write, voice_read, voice_write}
    try:
        async with asyncio.TaskGroup() as group:
            for read_end, channels, bitrate, target in encoders:
                command = [*raw, "-ac", str(channels), "-i", "pipe:0", *AAC, "-b:a", bitrate, *M4A]
                group.create_task(
                    run_ffmpeg_from(
                        read_end, [*command, str(target)], what="encoding the AAC outputs"
                    )
                )
            rendering = group.create_task(_render_wavs(args, (mix_write, voice_write), pipes, feed))
    except BaseExceptionGroup as failures:
        # Callers get the first tool's own MediaError, not a group of them.
        raise failures.exceptions[0] from None
    finally:
        _close_all(pipes, pipes.copy())
    log = rendering.result()
    return loudness_summary(log), short_term_curve(log)


async def _render_wavs(
    args: list[str], write_ends: tuple[int, int], pipes: set[int], feed: functools.partial[None]
) -> str:
    try:
        return await run_ffmpeg_logged(
            args, what="rendering the mix", feed=feed, pass_fds=write_ends
        )
    finally:
        # The encoders see the end of their input once ffmpeg's copies close too.
        _close_all(pipes, set(write_ends))


def _close_all(pipes: set[int], fds: set[int]) -> None:
    """Close those of `fds` still open (listed in `pipes`): never one twice."""
    for fd in fds & pipes:
        pipes.discard(fd)
        os.close(fd)


def _make_parents(outputs: DubOutputs) -> None:
    for path in outputs.all():
        path.parent.mkdir(parents=True, exist_ok=True)


def _inputs(background: Path) -> list[str]:
    return [
        "-i", str(background),
        "-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", "pipe:0",
    ]  # fmt: skip
