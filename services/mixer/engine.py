"""How the mixer fits and renders: Rubber Band and ffmpeg for real, or an instant stand-in."""

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from libs.events.stage import PermanentError
from libs.media.alignment import DEFAULT_MAX_RATIO, LineTiming, plan_alignment
from libs.media.decoded_length import decoded_frames
from libs.media.dub_render import DubOutputs, DubRender, render_dub
from libs.media.ducking import Ducking
from libs.media.errors import MediaError
from libs.media.line_fitting import ClipInput, FittedLine, fit_lines
from libs.media.loudness_plan import LoudnessTarget
from libs.media.loudness_report import Loudness
from libs.media.mix_graph import RATE
from libs.media.voice_stem import PlacedLine
from libs.synthesis.instant import SAMPLE_RATE, silence_duration, write_silence

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class MixOptions:
    """The render's parameters (settings now; a job's own target later)."""

    target: LoudnessTarget = field(default_factory=LoudnessTarget)
    ducking: Ducking | None = field(default_factory=Ducking)
    max_ratio: float = DEFAULT_MAX_RATIO


@dataclass(frozen=True, slots=True)
class MixRequest:
    """What one mix works on: the stems, the spoken lines, where the outputs go, and a folder
    for the fitted lines."""

    background: Path
    voice: Path
    clips: Sequence[ClipInput]
    outputs: DubOutputs
    workdir: Path


@dataclass(frozen=True, slots=True)
class Mixed:
    """Every line as fitted and what the render measured."""

    lines: list[FittedLine]
    render: DubRender
    # Where the time went (seconds): fitting the lines, rendering the mix.
    fit_s: float = 0.0
    render_s: float = 0.0


class MixRenderFailed(RuntimeError):
    """ffmpeg failed on inputs already checked: likely the machine (disk, memory); retried."""


class MixEngine(Protocol):
    """Fits the dubbed lines to their slots and renders the voice stem and the mix."""

    name: str

    async def mix(self, request: MixRequest, options: MixOptions) -> Mixed:
        """Fit `request`'s lines and render its outputs as `options` say."""
        ...

    async def versions(self) -> dict[str, str]:
        """The tools' versions, for the manifest."""
        ...


class FfmpegMixEngine:
    """Lines fitted (trim, Rubber Band, level matched) and mixed over the background."""

    name = "ffmpeg"

    def __init__(self) -> None:
        self._versions: dict[str, str] | None = None

    async def versions(self) -> dict[str, str]:
        if self._versions is None:
            self._versions = {
                "ffmpeg": await _tool_version(["ffmpeg", "-version"], r"ffmpeg version (\S+)"),
                "rubberband": await _tool_version(["rubberband", "--version"], r"(\d[\w.]*)"),
            }
        return self._versions

    async def mix(self, request: MixRequest, options: MixOptions) -> Mixed:
        started = time.perf_counter()
        frames = await _programme_frames(request.background)
        try:
            lines = await fit_lines(
                request.voice,
                request.clips,
                programme_s=frames / RATE,
                workdir=request.workdir,
                max_ratio=options.max_ratio,
            )
        except ValueError as exc:
            raise PermanentError(f"the dubbed lines' timing cannot be used: {exc}") from exc
        except MediaError as exc:
            # fit_lines words its errors for people (which line, what failed; no paths).
            raise PermanentError(f"a dubbed line could not be fitted: {exc}") from exc
        fitted = time.perf_counter()
        placed = [PlacedLine(line.path, line.plan.start) for line in lines]
        try:
            render = await render_dub(
                request.background,
                placed,
                request.outputs,
                target=options.target,
                ducking=options.ducking,
                frames=frames,
            )
        except MediaError as exc:
            # The inputs decoded and the lines are our own: the tool's words are for the log.
            log.warning("rendering the mix failed", error=str(exc))
            raise MixRenderFailed("ffmpeg failed while rendering the mix") from exc
        done = time.perf_counter()
        log.info("mix rendered", lines=len(lines), fit_s=fitted - started, render_s=done - fitted)
        return Mixed(lines, render, fit_s=fitted - started, render_s=done - fitted)


async def _tool_version(command: list[str], pattern: str) -> str:
    """A tool's version from its own report; "unknown" if it cannot say."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
    except OSError:
        return "unknown"
    found = re.search(pattern, out.decode("utf-8", "replace"))
    return found.group(1) if found else "unknown"


async def _programme_frames(background: Path) -> int:
    try:
        frames = await decoded_frames(background, RATE)
    except MediaError as exc:
        log.info("background stem not decodable", error=str(exc))
        raise PermanentError(
            "the background stem could not be decoded as audio; upload it as WAV, FLAC, AIFF,"
            " MP3, AAC/M4A or Ogg/Opus"
        ) from exc
    if frames == 0:
        raise PermanentError("the background stem holds no audio: there is no programme to dub")
    return frames


class InstantMixEngine:
    """Plans the lines as they are and writes short silent files at once: measures the
    pipeline, not the mixing (every output is a tiny WAV, whatever its name)."""

    name = "instant"

    async def versions(self) -> dict[str, str]:
        return {}

    async def mix(self, request: MixRequest, options: MixOptions) -> Mixed:
        clips = request.clips
        timings = [LineTiming(c.index, c.start, c.end, c.end - c.start, c.speaker) for c in clips]
        end = max((c.end for c in clips), default=0.0)
        plans = plan_alignment(timings, programme_s=end, max_ratio=options.max_ratio)
        paths = {c.index: c.path for c in clips}
        lines = [FittedLine(p, paths[p.index], None, None, 0.0) for p in plans]
        # A few KiB each, written on the loop: a worker-thread hop would cost more.
        frames = round(silence_duration("") * SAMPLE_RATE)
        for path in request.outputs.all():
            write_silence(path, frames)
        await asyncio.sleep(0)
        render = DubRender(
            frames=round(frames * RATE / SAMPLE_RATE),
            loudness=Loudness(None, None),
            gain_db=0.0,
            limited=False,
            on_target=True,
            curve=[],
        )
        return Mixed(lines, render)
