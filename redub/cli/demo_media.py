"""Generates demo input stems (a voice track and a background bed) for trying the pipeline."""

import asyncio
import shutil
from collections.abc import Sequence
from pathlib import Path

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.wav import wav_duration
from libs.synthesis.espeak import EspeakTextToSpeech

DEMO_SAMPLE_RATE = 48_000
DEFAULT_LINES = (
    "Welcome to the dubbing demo.",
    "This voice was generated for testing.",
    "Thank you for listening.",
)
LEAD_IN_S = 0.5
GAP_S = 0.8
TAIL_S = 0.5
# A quiet A-major chord under pink noise: audible as a "bed" but far below the voice.
_CHORD_HZ = (220.0, 277.18, 329.63)


async def make_demo_stems(
    out_dir: Path,
    lines: Sequence[str] | None = None,
    *,
    voice_sample: Path | None = None,
    language: str = "en",
) -> tuple[Path, Path]:
    """Write `demo_voice.wav` and `demo_background.wav` (48 kHz mono, equal length) to `out_dir`.

    The voice is `voice_sample` if given, else `lines` spoken by espeak-ng with pauses between.
    """
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    voice = out_dir / "demo_voice.wav"
    background = out_dir / "demo_background.wav"
    if voice_sample is not None:
        await _resample_voice(voice_sample, voice)
    else:
        await _speak_lines(
            list(lines) if lines is not None else list(DEFAULT_LINES), language, voice
        )
    total_samples = round(wav_duration(voice) * DEMO_SAMPLE_RATE)
    await _render_bed(total_samples, background)
    return voice, background


async def _resample_voice(sample: Path, voice: Path) -> None:
    if not await asyncio.to_thread(sample.is_file):
        raise MediaError(f"voice sample not found: {sample}")
    await run_ffmpeg(
        [
            "-i",
            str(sample),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(DEMO_SAMPLE_RATE),
            "-c:a",
            "pcm_s16le",
            str(voice),
        ],
        what=f"converting {sample.name} to a voice stem",
    )


async def _speak_lines(lines: list[str], language: str, voice: Path) -> None:
    spoken = [line for line in lines if line.strip()]
    if not spoken:
        raise ValueError("make_demo_stems needs at least one non-blank line")
    work = voice.parent / f".{voice.stem}-lines"
    await asyncio.to_thread(work.mkdir, exist_ok=True)
    try:
        tts = EspeakTextToSpeech()
        voices = tts.voices(language)
        if not voices:
            raise ValueError(f"espeak-ng has no voice for {language!r}")
        clips = [work / f"line-{i:03d}.wav" for i in range(len(spoken))]
        for line, clip in zip(spoken, clips, strict=True):
            await tts.synthesize(line, language, voices[0], clip)
        await run_ffmpeg(
            [arg for clip in clips for arg in ("-i", str(clip))]
            + [
                "-filter_complex",
                _concat_graph(len(clips)),
                "-map",
                "[out]",
                "-c:a",
                "pcm_s16le",
                str(voice),
            ],
            what="joining the demo voice lines",
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)


def _concat_graph(count: int) -> str:
    """Silence, line, gap, line, …, tail — every piece at 48 kHz mono before concatenation."""
    rate = DEMO_SAMPLE_RATE

    def silence(label: str, seconds: float) -> str:
        return f"anullsrc=r={rate}:cl=mono,atrim=duration={seconds}[{label}]"

    chains = [silence("lead", LEAD_IN_S), silence("tail", TAIL_S)]
    order = ["[lead]"]
    for i in range(count):
        chains.append(f"[{i}:a]aresample={rate},aformat=sample_fmts=s16:channel_layouts=mono[l{i}]")
        if i:
            chains.append(silence(f"g{i}", GAP_S))
            order.append(f"[g{i}]")
        order.append(f"[l{i}]")
    order.append("[tail]")
    chains.append(f"{''.join(order)}concat=n={len(order)}:v=0:a=1[out]")
    return ";".join(chains)


async def _render_bed(total_samples: int, background: Path) -> None:
    rate = DEMO_SAMPLE_RATE
    sources = [f"anoisesrc=c=pink:r={rate}:a=0.03:seed=7[n]"]
    sources += [f"sine=f={hz}:r={rate},volume=0.015[s{i}]" for i, hz in enumerate(_CHORD_HZ)]
    labels = "[n]" + "".join(f"[s{i}]" for i in range(len(_CHORD_HZ)))
    fade_s = min(1.0, total_samples / rate / 4)
    graph = ";".join(
        [
            *sources,
            f"{labels}amix=inputs={len(_CHORD_HZ) + 1}:normalize=0:duration=first,"
            f"atrim=end_sample={total_samples},afade=t=in:d={fade_s:.3f},"
            f"aformat=sample_fmts=s16:channel_layouts=mono[out]",
        ]
    )
    await run_ffmpeg(
        ["-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", str(background)],
        what="generating the demo background",
    )
