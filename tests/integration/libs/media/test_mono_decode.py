"""Decoding whole files and spans to mono float samples with real ffmpeg."""

from pathlib import Path

import numpy as np
import pytest

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.mono_decode import decode_mono
from tests.support.samples import ENGLISH

RATE = 48_000


async def test_whole_file_is_resampled_to_the_asked_rate() -> None:
    samples = await decode_mono(ENGLISH, rate=RATE, what="english")
    assert samples.dtype == np.float32
    assert abs(len(samples) - 2.744943 * RATE) <= 2
    assert 0.05 < float(np.max(np.abs(samples))) <= 1.0


async def test_a_span_is_read_without_the_rest() -> None:
    whole = await decode_mono(ENGLISH, rate=RATE, what="english")
    span = await decode_mono(ENGLISH, rate=RATE, what="english", start_s=1.0, duration_s=0.5)
    assert len(span) == RATE // 2
    # The same audio as the whole file's samples at that time (resampler edge effects aside).
    middle = slice(2000, 20000)
    expected = whole[RATE + middle.start : RATE + middle.stop]
    assert np.max(np.abs(span[middle] - expected)) < 0.01


async def test_surround_is_downmixed_to_mono(tmp_path: Path) -> None:
    surround = tmp_path / "surround.flac"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=f=440:r=44100:d=1", "-af", "pan=5.1|FC=c0", str(surround)],
        what="5.1 test file",
    )
    samples = await decode_mono(surround, rate=RATE, what="the voice stem")
    assert abs(len(samples) - RATE) <= 2
    assert float(np.sqrt(np.mean(np.square(samples)))) > 0.05, "the centre channel is heard"


async def test_a_span_past_the_end_is_empty() -> None:
    span = await decode_mono(ENGLISH, rate=RATE, what="english", start_s=10.0, duration_s=1.0)
    assert len(span) == 0


async def test_undecodable_and_missing_files_fail_without_paths(tmp_path: Path) -> None:
    junk = tmp_path / "clip.wav"
    junk.write_bytes(b"RIFF not really a wave file" * 10)
    with pytest.raises(MediaError) as caught:
        await decode_mono(junk, rate=RATE, what="the clip of line 3")
    assert str(caught.value) == "the clip of line 3 could not be decoded as audio"
    with pytest.raises(MediaError, match=r"^the clip of line 4 is missing$"):
        await decode_mono(tmp_path / "absent.wav", rate=RATE, what="the clip of line 4")
