"""Assembling the voice stem chunk by chunk from line files (libsndfile, no ffmpeg)."""

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from libs.media.ducking import DuckEnvelope, Ducking
from libs.media.errors import MediaError
from libs.media.voice_stem import CHUNK_FRAMES, LineSpan, PlacedLine, line_spans, write_stem

RATE = 48_000


def _line(path: Path, value: float, frames: int) -> Path:
    soundfile.write(str(path), np.full(frames, value, dtype=np.float32), RATE, subtype="FLOAT")
    return path


def _stem(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").reshape(-1, 2)


def test_lines_land_on_their_sample_sum_where_they_overlap_and_stop_at_the_end(
    tmp_path: Path,
) -> None:
    # Spans crossing chunk boundaries, overlapping, and one running past the end.
    a = _line(tmp_path / "a.wav", 0.25, CHUNK_FRAMES)
    b = _line(tmp_path / "b.wav", 0.5, CHUNK_FRAMES // 2)
    lines = [PlacedLine(b, 1.25), PlacedLine(a, 0.5), PlacedLine(a, 2.5)]
    spans = line_spans(lines)
    assert [s.start for s in spans] == [24_000, 60_000, 120_000]
    total = 3 * RATE
    out = io.BytesIO()

    write_stem(out, spans, total, None)

    stem = _stem(out.getvalue())
    assert stem.shape == (total, 2)
    voice = stem[:, 0]
    assert np.all(voice[:24_000] == 0.0)
    assert np.all(voice[24_000:60_000] == pytest.approx(0.25))
    assert np.all(voice[60_000:72_000] == pytest.approx(0.75))
    assert np.all(voice[72_000:84_000] == pytest.approx(0.5))
    assert np.all(voice[84_000:120_000] == 0.0)
    assert np.all(voice[120_000:] == pytest.approx(0.25))
    assert np.all(stem[:, 1] == 1.0), "no ducking asked: unity gain for the bed"


def test_the_second_channel_carries_the_ducking_envelope(tmp_path: Path) -> None:
    a = _line(tmp_path / "a.wav", 0.1, RATE)
    spans = line_spans([PlacedLine(a, 1.0)])
    envelope = DuckEnvelope([(s.start, s.end) for s in spans], Ducking(depth_db=6.0), RATE)
    out = io.BytesIO()

    write_stem(out, spans, 3 * RATE, envelope)

    gain = _stem(out.getvalue())[:, 1]
    assert gain[0] == 1.0 and gain[-1] == 1.0
    assert gain[int(1.5 * RATE)] == pytest.approx(10 ** (-6 / 20), rel=1e-4)
    assert np.array_equal(gain, envelope.gain(0, 3 * RATE))


def test_a_line_gone_since_it_was_checked_is_a_media_error(tmp_path: Path) -> None:
    spans = [LineSpan(tmp_path / "gone.wav", 0, 100)]
    with pytest.raises(MediaError, match="dubbed line 1 could not be read"):
        write_stem(io.BytesIO(), spans, RATE, None)
