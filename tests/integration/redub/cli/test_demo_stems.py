"""Generating demo voice and background stems with espeak-ng and ffmpeg."""

import wave
from pathlib import Path

import pytest

from libs.media.probe import probe_duration
from redub.cli.demo_media import GAP_S, LEAD_IN_S, TAIL_S, make_demo_stems
from tests.support.samples import ENGLISH


def _header(path: Path) -> tuple[int, int, float]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getnframes() / wav.getframerate()


def _names(directory: Path) -> set[str]:
    # Also catches the temporary per-line folder being left behind.
    return {entry.name for entry in directory.iterdir()}


async def test_spoken_lines_and_bed_have_equal_length(tmp_path: Path) -> None:
    lines = ["First line.", "Second line is a little longer.", "Third."]
    voice, background = await make_demo_stems(tmp_path, lines)
    rate, channels, voice_s = _header(voice)
    assert (rate, channels) == (48_000, 1)
    assert _header(background) == (rate, channels, voice_s)
    # Three spoken lines plus the fixed pauses: at least the pauses, not absurdly long.
    assert LEAD_IN_S + 2 * GAP_S + TAIL_S + 1.5 < voice_s < 15.0
    assert _names(tmp_path) == {"demo_voice.wav", "demo_background.wav"}


async def test_more_lines_make_a_longer_stem(tmp_path: Path) -> None:
    one, _ = await make_demo_stems(tmp_path / "one", ["Hello there."])
    two, _ = await make_demo_stems(tmp_path / "two", ["Hello there.", "Hello there."])
    assert _header(two)[2] == pytest.approx(2 * _header(one)[2] - LEAD_IN_S - TAIL_S + GAP_S, 0.02)


async def test_voice_sample_is_used_when_given(tmp_path: Path) -> None:
    voice, background = await make_demo_stems(tmp_path, voice_sample=ENGLISH)
    sample_s = await probe_duration(ENGLISH)
    assert _header(voice)[2] == pytest.approx(sample_s, abs=0.05)
    assert _header(background)[2] == pytest.approx(_header(voice)[2], abs=0.001)


async def test_blank_lines_only_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        await make_demo_stems(tmp_path, ["", "  "])
