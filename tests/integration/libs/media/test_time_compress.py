"""Time compression of real speech with the rubberband CLI (R3 engine)."""

from pathlib import Path

import numpy as np

from libs.media.loudness import span_lufs
from libs.media.mono_decode import decode_mono
from libs.media.silence_trim import sound_bounds
from libs.media.time_compress import compress_to_length
from tests.support.samples import ENGLISH

RATE = 48_000


async def test_speech_is_compressed_to_the_asked_length_keeping_its_level(tmp_path: Path) -> None:
    speech = await decode_mono(ENGLISH, rate=RATE, what="english")
    target = round(len(speech) / 1.25)
    out = await compress_to_length(speech, target, RATE, scratch=tmp_path / "x", what="line 0")
    assert abs(len(out) - target) <= 2
    before, after = span_lufs(speech, RATE), span_lufs(out, RATE)
    assert before is not None and after is not None
    # R3 keeps the level roughly (it drops about 1.5 LU here): fit_lines measures after it.
    assert abs(before - after) < 2.5
    # The speech is squeezed, not cut: it still sounds to (almost) the end.
    _, last = sound_bounds(out, RATE)
    assert last > 0.9 * target
    assert list(tmp_path.iterdir()) == [], "temporary files are removed"


async def test_nothing_to_compress() -> None:
    empty = np.zeros(0, np.float32)
    assert (
        len(await compress_to_length(empty, 10, RATE, scratch=Path("/nonexistent/x"), what="l"))
        == 0
    )
