"""Fits synthesized lines into their slots: trim, plan, time-compress, fade overflow, match level."""

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np
import soundfile

from libs.media.alignment import DEFAULT_MAX_RATIO, LinePlan, LineTiming, plan_alignment
from libs.media.clip_decode import decode_clip
from libs.media.errors import MediaError
from libs.media.length_fit import fit_length
from libs.media.level_match import match_gain_db, typical_gain_db
from libs.media.loudness import MIN_SPAN_S, peak_dbfs, span_lufs
from libs.media.mono_decode import Samples
from libs.media.silence_trim import sound_bounds
from libs.media.span_reader import SpanReader
from libs.media.time_compress import compress_to_length

T = TypeVar("T")

RATE = 48_000
# Lines are worked on this many at a time: each holds one clip and runs one ffmpeg or
# rubberband process, so memory stays flat however long the programme.
CONCURRENCY = 2
_RATIO_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class ClipInput:
    """One synthesized line and the original line it replaces."""

    index: int
    start: float
    end: float
    path: Path  # the synthesized clip, any format/rate the TTS wrote
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class FittedLine:
    """A line rendered to its slot: `path` is 48 kHz mono float WAV of exactly the slot's length."""

    plan: LinePlan
    path: Path
    source_lufs: float | None  # loudness of the original line's span in the voice stem
    dubbed_lufs: float | None  # loudness of the rendered clip before matching
    gain_db: float


@dataclass(frozen=True, slots=True)
class _Rendered:
    line: FittedLine
    peak_dbfs: float
    measured: bool  # both loudnesses known: its gain is already applied


async def fit_lines(
    voice_stem: Path,
    clips: Sequence[ClipInput],
    *,
    programme_s: float,
    workdir: Path,
    max_ratio: float = DEFAULT_MAX_RATIO,
) -> list[FittedLine]:
    """Render every clip fitted to its slot into `workdir`; results ordered by index.

    Raises ValueError for bad timing or settings, MediaError for audio that cannot be decoded.
    """
    # Validate timing and settings before any audio work (clip lengths do not matter here).
    plan_alignment(
        [LineTiming(c.index, c.start, c.end, 0.0, c.speaker) for c in clips],
        programme_s=programme_s,
        max_ratio=max_ratio,
    )
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    limit = asyncio.Semaphore(CONCURRENCY)
    bounds = await _gather(limit, [partial(_clip_bounds, clip) for clip in clips])
    timings = [
        LineTiming(clip.index, clip.start, clip.end, (last - first) / RATE, clip.speaker)
        for clip, (first, last) in zip(clips, bounds, strict=True)
    ]
    plans = plan_alignment(timings, programme_s=programme_s, max_ratio=max_ratio)
    plan_of = {plan.index: plan for plan in plans}
    async with SpanReader(voice_stem, what="the voice stem") as stem:
        rendered = await _gather(
            limit,
            [
                partial(_render, clip, span, plan_of[clip.index], stem, workdir)
                for clip, span in zip(clips, bounds, strict=True)
            ],
        )
    fallback = typical_gain_db([r.line.gain_db for r in rendered if r.measured])
    fitted = await _gather(limit, [partial(_apply_fallback, r, fallback) for r in rendered])
    return sorted(fitted, key=lambda line: line.plan.index)


async def _gather(limit: asyncio.Semaphore, jobs: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
    # A TaskGroup cancels the remaining lines (and kills their processes) when one fails; jobs
    # are started only once they hold the semaphore, so a cancelled one leaves nothing behind.
    async def bounded(job: Callable[[], Awaitable[T]]) -> T:
        async with limit:
            return await job()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(bounded(job)) for job in jobs]
    except BaseExceptionGroup as failures:
        # Callers get the first line's own error (a MediaError), not a group of them.
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


async def _decode_clip(clip: ClipInput) -> Samples:
    return await decode_clip(
        clip.path, rate=RATE, what=f"the synthesized clip of line {clip.index}"
    )


async def _clip_bounds(clip: ClipInput) -> tuple[int, int]:
    samples = await _decode_clip(clip)
    return await asyncio.to_thread(sound_bounds, samples, RATE)


async def _render(
    clip: ClipInput, bounds: tuple[int, int], plan: LinePlan, stem: SpanReader, workdir: Path
) -> _Rendered:
    length = round((plan.end - plan.start) * RATE)
    first, last = bounds
    # Decoding again (in-process: milliseconds) is cheaper than holding ~900 trimmed clips
    # between planning and rendering.
    trimmed = (await _decode_clip(clip))[first:last] if length > 0 else np.zeros(0, np.float32)
    compressed_length = round(len(trimmed) / plan.ratio)
    if length > 0 and plan.ratio > 1 + _RATIO_EPSILON and compressed_length != len(trimmed):
        trimmed = await compress_to_length(
            trimmed,
            compressed_length,
            RATE,
            scratch=workdir / f"line-{plan.index}",
            what=f"line {plan.index}",
        )
    out = await asyncio.to_thread(fit_length, trimmed, length, RATE)
    dubbed_lufs = await asyncio.to_thread(span_lufs, out, RATE)
    source_lufs = await _source_lufs(stem, plan)
    peak = peak_dbfs(out)
    measured = source_lufs is not None and dubbed_lufs is not None
    gain = match_gain_db(source_lufs, dubbed_lufs, peak) if measured else 0.0
    path = workdir / f"line-{plan.index}.wav"
    await asyncio.to_thread(_write, path, out, gain)
    line = FittedLine(plan, path, source_lufs, dubbed_lufs, gain)
    return _Rendered(line, peak, measured)


async def _source_lufs(stem: SpanReader, plan: LinePlan) -> float | None:
    duration = plan.source_end - plan.source_start
    if duration < MIN_SPAN_S:
        return None
    span, rate = await stem.read(plan.source_start, duration)
    return await asyncio.to_thread(span_lufs, span, rate)


async def _apply_fallback(rendered: _Rendered, fallback_db: float) -> FittedLine:
    line = rendered.line
    if rendered.measured:
        return line
    gain = match_gain_db(None, None, rendered.peak_dbfs, fallback_db=fallback_db)
    if gain == 0.0:
        return line
    samples, _ = await asyncio.to_thread(soundfile.read, line.path, dtype="float32")
    await asyncio.to_thread(_write, line.path, samples, gain)
    return FittedLine(line.plan, line.path, line.source_lufs, line.dubbed_lufs, gain)


def _write(path: Path, samples: Samples, gain_db: float) -> None:
    scaled = samples * np.float32(math.pow(10.0, gain_db / 20)) if gain_db else samples
    try:
        soundfile.write(path, scaled, RATE, subtype="FLOAT")
    except (OSError, RuntimeError) as exc:
        raise MediaError(f"could not write the fitted audio of {path.stem}") from exc
