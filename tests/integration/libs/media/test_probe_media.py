"""ffprobe-backed duration probing against real files."""

from pathlib import Path

import pytest

from libs.media.errors import MediaError
from libs.media.probe import probe_duration
from tests.support.samples import SAMPLES


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [("english.wav", 2.7, 2.8), ("french.aiff", 0.5, 30.0), ("chinese.flac", 0.5, 30.0)],
)
async def test_probes_sample_durations(name: str, low: float, high: float) -> None:
    assert low < await probe_duration(SAMPLES / name) < high


async def test_text_file_is_not_audio(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("this is not audio at all\n")
    with pytest.raises(MediaError, match=r"notes\.wav"):
        await probe_duration(bogus)


async def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not found"):
        await probe_duration(tmp_path / "nope.wav")
