"""Fitting real synthesized lines into a real programme: lengths, stretch, fades and levels."""

import asyncio
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.line_fitting import ClipInput, FittedLine, fit_lines
from libs.media.mono_decode import decode_mono
from libs.media.silence_trim import sound_bounds
from tests.support.samples import ENGLISH

RATE = 48_000
SPEECH_S = 2.744943  # english.wav
QUIET_DB = -8.0
PROGRAMME_S = 9.0
# (start, end) of the original lines in the stem built below.
LOUD = (0.5, 0.5 + SPEECH_S)
QUIET = (4.0, 4.0 + SPEECH_S)
TIGHT = (8.0, 8.4)


async def espeak(path: Path, text: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "espeak-ng", "-v", "fr", "-w", str(path), text, stdout=asyncio.subprocess.DEVNULL
    )
    assert await process.wait() == 0


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[ClipInput]]:
    """A stereo 44.1 kHz voice stem with a normal and a quiet line, and dubbed clips for both."""
    folder = tmp_path_factory.mktemp("programme")

    async def build() -> tuple[Path, list[ClipInput]]:
        stem = folder / "voice.wav"
        graph = (
            f"[0:a]adelay={int(LOUD[0] * 1000)}:all=1[a];"
            f"[1:a]volume={QUIET_DB}dB,adelay={int(QUIET[0] * 1000)}:all=1[b];"
            f"[a][b]amix=inputs=2:normalize=0,apad=whole_dur={PROGRAMME_S},"
            "aformat=channel_layouts=stereo"
        )
        await run_ffmpeg(
            ["-i", str(ENGLISH), "-i", str(ENGLISH), "-filter_complex", graph,
             "-ar", "44100", str(stem)],
            what="voice stem",
        )  # fmt: skip
        raw = [folder / f"raw{i}.wav" for i in range(3)]
        await espeak(raw[0], "Bonjour, je ne suis pas sûr que cette phrase tienne dans son créneau")
        await espeak(raw[1], "Une réponse à voix basse, assez courte")
        await espeak(raw[2], "Cette réplique est beaucoup trop longue pour le tout petit créneau")
        # The TTS may hand over any format and rate: one MP3, one Opus, one WAV.
        clips = [folder / "line0.mp3", folder / "line1.ogg", raw[2]]
        await run_ffmpeg(["-i", str(raw[0]), "-ar", "22050", str(clips[0])], what="mp3")
        await run_ffmpeg(["-i", str(raw[1]), "-c:a", "libopus", str(clips[1])], what="opus")
        return stem, [
            ClipInput(0, *LOUD, clips[0], "narrator"),
            ClipInput(1, *QUIET, clips[1], "narrator"),
            ClipInput(2, *TIGHT, clips[2], "guest"),
        ]

    return asyncio.run(build())


@pytest.fixture(scope="module")
def fitted(
    programme: tuple[Path, list[ClipInput]], tmp_path_factory: pytest.TempPathFactory
) -> list[FittedLine]:
    stem, clips = programme
    workdir = tmp_path_factory.mktemp("work")
    return asyncio.run(fit_lines(stem, clips, programme_s=PROGRAMME_S, workdir=workdir))


def read(path: Path) -> np.ndarray:
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels) == (RATE, 1)
    data, _ = soundfile.read(str(path), dtype="float32")
    return np.asarray(data, dtype=np.float32)


def lufs(samples: np.ndarray) -> float:
    return float(pyloudnorm.Meter(RATE).integrated_loudness(samples.astype(np.float64)))


def test_every_line_is_exactly_its_planned_length_inside_its_slot(
    fitted: list[FittedLine],
) -> None:
    assert [f.plan.index for f in fitted] == [0, 1, 2]
    for line in fitted:
        plan = line.plan
        assert len(read(line.path)) == round((plan.end - plan.start) * RATE)
        assert plan.source_start == plan.start <= plan.end <= plan.slot_end <= PROGRAMME_S
    assert fitted[0].plan.end <= fitted[1].plan.start <= fitted[1].plan.end
    assert fitted[1].plan.end <= fitted[2].plan.start


async def test_measured_stretch_never_exceeds_the_cap(
    programme: tuple[Path, list[ClipInput]], fitted: list[FittedLine]
) -> None:
    _, clips = programme
    for clip, line in zip(clips, fitted, strict=True):
        decoded = await decode_mono(clip.path, rate=RATE, what="clip")
        first, last = sound_bounds(decoded, RATE)
        out = read(line.path)
        # What sounds in the output (overflow included) is the trimmed clip compressed.
        sounding = len(out) + round(line.plan.overflow_s * RATE)
        measured_ratio = (last - first) / sounding
        assert measured_ratio <= 1.25 + 0.002
        assert measured_ratio == pytest.approx(line.plan.ratio, abs=0.002)
    assert fitted[0].plan.ratio > 1.0, "the long first line had to be compressed"


def test_overflow_is_recorded_and_faded_out(fitted: list[FittedLine]) -> None:
    tight = fitted[2]
    assert tight.plan.overflow_s > 0.5 and tight.plan.ratio == 1.25
    assert tight.plan.end == pytest.approx(PROGRAMME_S)
    out = read(tight.path)
    tail = out[-round(0.002 * RATE) :]
    assert float(np.max(np.abs(tail))) < 10 ** (-50 / 20), "the last 2 ms are near silence"
    body = out[: -round(0.2 * RATE)]
    assert float(np.max(np.abs(body))) > 0.05, "speech before the fade is left alone"
    for line in fitted[:2]:
        assert line.plan.overflow_s == 0.0


def test_each_line_takes_the_loudness_of_the_line_it_replaces(fitted: list[FittedLine]) -> None:
    loud, quiet, tight = fitted
    for line in (loud, quiet):
        assert line.source_lufs is not None and line.dubbed_lufs is not None
        assert abs(line.gain_db) < 12.0
        assert lufs(read(line.path)) == pytest.approx(line.source_lufs, abs=0.5)
    # The whisper stays a whisper: the quiet original's distance is kept.
    assert quiet.source_lufs is not None and loud.source_lufs is not None
    assert quiet.source_lufs - loud.source_lufs == pytest.approx(QUIET_DB, abs=0.5)
    assert lufs(read(quiet.path)) - lufs(read(loud.path)) == pytest.approx(QUIET_DB, abs=1.0)
    # The tight line's original span is silence: it gets the typical gain of the others.
    assert tight.source_lufs is None
    assert tight.gain_db == pytest.approx((loud.gain_db + quiet.gain_db) / 2, abs=0.01)
    for line in fitted:
        assert float(np.max(np.abs(read(line.path)))) <= 10 ** (-1 / 20) + 1e-4


async def test_undecodable_clip_fails_with_a_clear_message(
    programme: tuple[Path, list[ClipInput]], tmp_path: Path
) -> None:
    stem, clips = programme
    junk = tmp_path / "broken.mp3"
    junk.write_bytes(b"\xff\xfb" + b"\x00" * 100)
    broken = [*clips[:1], ClipInput(7, 4.0, 5.0, junk)]
    with pytest.raises(MediaError) as caught:
        await fit_lines(stem, broken, programme_s=PROGRAMME_S, workdir=tmp_path / "work")
    message = str(caught.value)
    assert message == "the synthesized clip of line 7 could not be decoded as audio"
    assert str(tmp_path) not in message


async def test_no_lines_and_a_silent_clip(tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    await run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "1", str(silent)],
                     what="silence")  # fmt: skip
    assert await fit_lines(ENGLISH, [], programme_s=3.0, workdir=tmp_path / "w") == []
    [line] = await fit_lines(
        ENGLISH, [ClipInput(0, 0.5, 1.5, silent)], programme_s=3.0, workdir=tmp_path / "w"
    )
    assert line.plan.end == line.plan.start and line.gain_db == 0.0
    assert len(read(line.path)) == 0
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["line-0.wav"]
