"""Duration probing by decoding real files."""

from pathlib import Path

import pytest

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
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
    with pytest.raises(MediaError, match=r"notes\.wav") as caught:
        await probe_duration(bogus)
    assert str(tmp_path) not in str(caught.value), "no server paths in the reason"


async def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="not found"):
        await probe_duration(tmp_path / "nope.wav")


async def test_a_header_claiming_more_audio_than_the_file_holds_gives_the_real_length(
    tmp_path: Path,
) -> None:
    path = tmp_path / "short.wav"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", "sine=r=16000:d=4", "-c:a", "pcm_s16le", str(path)], what="tone"
    )
    data = path.read_bytes()
    path.write_bytes(data[: 44 + 16000 * 2])  # one second of samples; the header says four
    assert await probe_duration(path) == pytest.approx(1.0, abs=0.01)


async def test_a_file_of_no_samples_is_a_media_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    await run_ffmpeg(["-f", "lavfi", "-i", "anullsrc", "-t", "0", str(path)], what="empty")
    with pytest.raises(MediaError, match=r"empty\.wav holds no decodable audio"):
        await probe_duration(path)
