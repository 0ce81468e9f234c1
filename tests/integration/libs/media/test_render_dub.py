"""Rendering the voice stem and mix with real ffmpeg."""

import wave
from pathlib import Path

import pytest

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.mixdown import PlacedClip, render_dub
from libs.media.probe import probe_duration
from tests.support.samples import ENGLISH

BED_SECONDS = 10.0


def _window_rms(path: Path, start: float, end: float) -> float:
    """RMS (0..1) of the first channel between two times, with the standard library only."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        rate, channels = wav.getframerate(), wav.getnchannels()
        wav.setpos(int(start * rate))
        frames = wav.readframes(int((end - start) * rate))
    samples = memoryview(frames).cast("h")[::channels]
    return float((sum(s * s for s in samples) / max(1, len(samples))) ** 0.5 / 32768)


@pytest.fixture
async def bed(tmp_path: Path) -> Path:
    path = tmp_path / "bed.wav"
    await run_ffmpeg(
        ["-f", "lavfi", "-i", f"sine=f=110:r=44100:d={BED_SECONDS}", "-ac", "2", str(path)],
        what="test bed",
    )
    return path


async def test_voice_and_mix_match_background_and_clips_land_on_time(
    bed: Path, tmp_path: Path
) -> None:
    voice, mix = tmp_path / "out" / "voice.wav", tmp_path / "out" / "mix.wav"
    clips = [PlacedClip(ENGLISH, 2.0), PlacedClip(ENGLISH, 6.5)]
    result = await render_dub(bed, clips, voice, mix)

    background_s = await probe_duration(bed)
    for path in (voice, mix):
        assert await probe_duration(path) == pytest.approx(background_s, abs=0.05)
    assert result.background_duration_s == pytest.approx(background_s, abs=0.001)
    assert result.voice_duration_s == pytest.approx(background_s, abs=0.05)
    assert result.mix_duration_s == pytest.approx(background_s, abs=0.05)
    with wave.open(str(voice), "rb") as v, wave.open(str(mix), "rb") as m:
        assert (v.getframerate(), v.getnchannels()) == (48_000, 1)
        assert (m.getframerate(), m.getnchannels()) == (48_000, 2)

    # Speech where clips were placed, digital silence before the first and between them.
    assert _window_rms(voice, 2.2, 4.5) > 0.01
    assert _window_rms(voice, 6.7, 9.0) > 0.01
    assert _window_rms(voice, 0.0, 1.9) == 0.0
    assert _window_rms(voice, 4.8, 6.4) == 0.0
    # Clips keep their level (amix must not scale inputs down by their count).
    clip_s = await probe_duration(ENGLISH)
    source_rms = _window_rms(ENGLISH, 0.0, clip_s)
    assert _window_rms(voice, 2.0, 2.0 + clip_s) == pytest.approx(source_rms, rel=0.1)
    # The mix carries the bed everywhere and is louder where the voice is.
    assert _window_rms(mix, 0.0, 1.9) > 0.01
    assert _window_rms(mix, 2.2, 4.5) > _window_rms(mix, 0.0, 1.9)


async def test_zero_clips_give_a_silent_voice_stem(bed: Path, tmp_path: Path) -> None:
    voice, mix = tmp_path / "voice.wav", tmp_path / "mix.wav"
    result = await render_dub(bed, [], voice, mix)
    assert result.voice_duration_s == pytest.approx(BED_SECONDS, abs=0.05)
    assert _window_rms(voice, 0.0, BED_SECONDS - 0.1) == 0.0
    assert _window_rms(mix, 0.0, BED_SECONDS - 0.1) > 0.01


async def test_clip_running_past_the_end_is_cut(bed: Path, tmp_path: Path) -> None:
    voice, mix = tmp_path / "voice.wav", tmp_path / "mix.wav"
    result = await render_dub(bed, [PlacedClip(ENGLISH, BED_SECONDS - 1.0)], voice, mix)
    assert result.voice_duration_s == pytest.approx(BED_SECONDS, abs=0.05)
    assert result.mix_duration_s == pytest.approx(BED_SECONDS, abs=0.05)


async def test_undecodable_clip_fails_clearly_and_leaves_no_outputs(
    bed: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wav")
    voice, mix = tmp_path / "voice.wav", tmp_path / "mix.wav"
    with pytest.raises(MediaError, match="ffmpeg exit code"):
        await render_dub(bed, [PlacedClip(broken, 1.0)], voice, mix)
    assert not voice.exists() and not mix.exists()


async def test_missing_clip_is_reported(bed: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="voice clip not found"):
        await render_dub(
            bed, [PlacedClip(tmp_path / "gone.wav", 0.0)], tmp_path / "v.wav", tmp_path / "m.wav"
        )
