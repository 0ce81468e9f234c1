"""`python -m bench.line_fitting`: fit_lines over a long programme, next to bare Rubber Band."""

import argparse
import asyncio
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.report import REPO, emit, figure, progress
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.line_fitting import CONCURRENCY, RATE, ClipInput, FittedLine, fit_lines

SPEECH = REPO / "tests" / "media" / "english.wav"
# A handful of distinct synthesized lines, reused across the programme (1 to 6 s of speech).
TEXTS = (
    "Yes.",
    "I did not expect to see you here tonight.",
    "Well, that is one way of looking at it, I suppose.",
    "The train leaves at nine, so we should hurry if we want to catch it.",
    "Nobody told me the meeting had been moved to the other building, or I would have come.",
    "If you had listened to me in the first place, none of this would have happened, and we "
    "would all be at home by now.",
)


async def _espeak(text: str, out: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        "espeak-ng", "-w", str(out), text, stdout=asyncio.subprocess.DEVNULL
    )
    if await process.wait() != 0:
        raise RuntimeError("espeak-ng failed")


async def build_programme(folder: Path, lines: int, seconds: float) -> tuple[Path, list[ClipInput]]:
    """A looped-speech MP3 voice stem and `lines` lines over it, each with a synthesized clip."""
    stem = folder / "voice.mp3"
    await run_ffmpeg(
        ["-stream_loop", "-1", "-i", str(SPEECH), "-t", f"{seconds}", "-ac", "1",
         "-c:a", "libmp3lame", "-b:a", "64k", str(stem)],
        what="benchmark voice stem",
    )  # fmt: skip
    clips = [folder / f"clip{i}.wav" for i in range(len(TEXTS))]
    await asyncio.gather(*(_espeak(t, c) for t, c in zip(TEXTS, clips, strict=True)))
    rng = random.Random(900)
    slot = seconds / lines
    inputs = []
    for i in range(lines):
        start = i * slot + rng.uniform(0, 0.1 * slot)
        end = start + rng.uniform(0.4, 0.85) * slot
        inputs.append(ClipInput(i, start, end, clips[rng.randrange(len(clips))], f"s{i % 3}"))
    return stem, inputs


async def bare_rubberband(
    fitted: Sequence[FittedLine], clips: Sequence[ClipInput], folder: Path
) -> float:
    """Wall seconds of the unavoidable work: `rubberband -3` on each compressed line, same
    concurrency, inputs already 48 kHz WAV (the baseline for fit_lines' own overhead)."""
    converted: dict[Path, Path] = {}
    for clip in clips:
        if clip.path not in converted:
            out = folder / f"{clip.path.stem}-48k.wav"
            await run_ffmpeg(["-i", str(clip.path), "-ar", str(RATE), str(out)], what="convert")
            converted[clip.path] = out
    by_index = {clip.index: clip for clip in clips}
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(line: FittedLine) -> None:
        async with limit:
            source = converted[by_index[line.plan.index].path]
            process = await asyncio.create_subprocess_exec(
                "rubberband", "-3", "-q", "-t", f"{1 / line.plan.ratio:.6f}",
                str(source), str(folder / f"bare-{line.plan.index}.wav"),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            await process.wait()

    started = time.monotonic()
    await asyncio.gather(*(one(line) for line in fitted if line.plan.ratio > 1.0))
    return time.monotonic() - started


async def run(lines: int, minutes: float, folder: Path) -> None:
    seconds = minutes * 60
    progress(f"line_fitting: building a {minutes:g}-minute programme with {lines} lines")
    stem, clips = await build_programme(folder, lines, seconds)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress("line_fitting: fitting")
    started = time.monotonic()
    fitted = await fit_lines(stem, clips, programme_s=seconds, workdir=folder / "work")
    wall = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    progress("line_fitting: bare rubberband baseline")
    bare = await bare_rubberband(fitted, clips, folder)
    compressed = [f for f in fitted if f.plan.ratio > 1.0]
    name = "line_fitting"
    emit(figure(name, "lines", lines, "lines"))
    emit(figure(name, "programme", seconds, "s"))
    emit(figure(name, "wall", wall, "s", bare))
    emit(figure(name, "per_line", wall / lines * 1000, "ms"))
    emit(figure(name, "peak_rss", rss, "MB", rss_before))
    emit(figure(name, "compressed_lines", len(compressed), "lines"))
    emit(figure(name, "overflow_lines", sum(f.plan.overflow_s > 0 for f in fitted), "lines"))
    emit(figure(name, "max_ratio", max((f.plan.ratio for f in fitted), default=1.0), "x"))
    gains = [f.gain_db for f in fitted]
    emit(figure(name, "median_gain", statistics.median(gains) if gains else 0.0, "dB"))
    emit(figure("bare_rubberband", "wall", bare, "s"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.line_fitting", description=__doc__)
    p.add_argument("--lines", type=int, default=150, help="lines in the programme")
    p.add_argument("--minutes", type=float, default=10.0, help="programme length")
    p.add_argument("--keep", action="store_true", help="keep the working folder")
    args = p.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="redub-bench-fit-"))
    try:
        asyncio.run(run(args.lines, args.minutes, folder))
    finally:
        if args.keep:
            progress(f"keeping {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
