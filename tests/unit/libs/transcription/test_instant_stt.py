from pathlib import Path

import pytest

from libs.transcription.instant_stt import InstantSpeechToText, tile_segments


def test_tiles_cover_the_duration_without_gaps() -> None:
    segments = tile_segments(7.5, 3.0)
    assert [(s.start, s.end) for s in segments] == [(0.0, 3.0), (3.0, 6.0), (6.0, 7.5)]
    assert [s.index for s in segments] == [0, 1, 2]
    assert all(s.text for s in segments)


def test_zero_duration_gives_no_segments() -> None:
    assert tile_segments(0.0, 3.0) == []


async def test_constructor_duration_needs_no_file() -> None:
    stt = InstantSpeechToText(duration_s=4.0, segment_s=2.0)
    result = await stt.transcribe(Path("/nonexistent/audio.wav"), "de")
    transcript = result.transcript
    assert transcript.language == "de"
    assert transcript.duration_s == 4.0
    assert [(s.start, s.end) for s in transcript.segments] == [(0.0, 2.0), (2.0, 4.0)]
    assert stt.name == "instant"
    [usage] = result.usage
    assert (usage.vendor, usage.unit, usage.quantity, usage.amount) == (
        "instant",
        "audio_seconds",
        4,
        0,
    )


def test_rejects_non_positive_segment_length() -> None:
    with pytest.raises(ValueError):
        InstantSpeechToText(segment_s=0)
