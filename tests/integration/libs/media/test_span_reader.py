"""Reading spans of a voice stem in every input format, without decoding the whole file."""

from pathlib import Path

import numpy as np
import pytest

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.loudness import span_lufs
from libs.media.mono_decode import decode_mono
from libs.media.span_reader import SpanReader
from tests.support.samples import ENGLISH

DUAL_MONO = ["-af", "pan=stereo|c0=c0|c1=c0"]


@pytest.mark.parametrize(
    ("name", "args", "offset_db"),
    [
        ("stem.wav", [*DUAL_MONO, "-c:a", "pcm_s24le"], 0.0),
        ("stem.flac", [], 0.0),
        ("stem.aiff", ["-ar", "96000"], 0.0),
        ("stem.mp3", DUAL_MONO, 0.0),
        ("stem.ogg", ["-c:a", "libopus"], 0.0),
        ("stem.m4a", [*DUAL_MONO, "-c:a", "aac"], 0.0),
        # Surround is read as the mid of its ITU stereo downmix: the centre at -3 dB.
        ("stem.wav", ["-af", "pan=5.1|FC=c0"], -3.01),
        ("stem.m4a", ["-af", "pan=5.1|FC=c0", "-c:a", "aac"], -3.01),
    ],
)
async def test_span_loudness_is_the_same_in_every_format(
    tmp_path: Path, name: str, args: list[str], offset_db: float
) -> None:
    stem = tmp_path / name
    await run_ffmpeg(["-i", str(ENGLISH), *args, str(stem)], what="test stem")
    reference = await decode_mono(ENGLISH, rate=48_000, what="e", start_s=0.5, duration_s=1.5)
    expected = span_lufs(reference, 48_000)
    assert expected is not None
    async with SpanReader(stem, what="the voice stem") as reader:
        span, rate = await reader.read(0.5, 1.5)
        assert abs(len(span) - 1.5 * rate) <= 0.002 * rate
        measured = span_lufs(span, rate)
        # The mid of a dual-mono voice is the voice: same loudness as the mono source.
        assert measured == pytest.approx(expected + offset_db, abs=0.5)
        past_end, _ = await reader.read(30.0, 1.0)
        assert len(past_end) == 0


async def test_span_is_taken_at_the_right_time(tmp_path: Path) -> None:
    # Silence, then a tone from 2 s: a span read from 1.0 s for 2 s is loud only in its 2nd half.
    stem = tmp_path / "stem.mp3"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=f=440:r=44100:d=2,adelay=2000,apad=whole_dur=5",
         str(stem)],
        what="timed stem",
    )  # fmt: skip
    async with SpanReader(stem, what="the voice stem") as reader:
        span, rate = await reader.read(1.0, 2.0)
    onset = int(np.argmax(np.abs(span) > 0.05))
    assert abs(onset / rate - 1.0) < 0.01


async def test_missing_or_broken_stem_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^the voice stem is missing$"):
        async with SpanReader(tmp_path / "absent.wav", what="the voice stem"):
            pass
    junk = tmp_path / "voice.wav"
    junk.write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(MediaError, match=r"^the voice stem could not be decoded as audio$"):
        async with SpanReader(junk, what="the voice stem") as reader:
            await reader.read(0.0, 1.0)
