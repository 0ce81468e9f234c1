"""Rendering a dub with real ffmpeg: exact lengths, loudness on target, ducking, inputs."""

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from libs.media.decoded_length import decoded_frames
from libs.media.dub_render import DubOutputs, render_dub
from libs.media.ducking import Ducking
from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg, run_ffmpeg_logged
from libs.media.loudness_plan import LoudnessTarget
from libs.media.loudness_report import Loudness, loudness_summary
from libs.media.voice_stem import PlacedLine
from tests.support.dub_lengths import aac_decoded_frames, declared_frames
from tests.support.samples import ENGLISH, FRENCH

RATE = 48_000
AAC_FRAME = 1024
TARGET = LoudnessTarget()


async def _make(path: Path, source: str, *args: str) -> Path:
    """A file from an ffmpeg lavfi source expression with output options."""
    await run_ffmpeg(["-f", "lavfi", "-i", source, *args, str(path)], what="test input")
    return path


async def _line(path: Path, speech: Path = ENGLISH) -> Path:
    await run_ffmpeg(["-i", str(speech), "-ar", "48000", "-ac", "1", str(path)], what="line")
    return path


async def _measure(path: Path) -> Loudness:
    log = await run_ffmpeg_logged(
        ["-i", str(path), "-af", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        what="measure",
    )
    return loudness_summary(log)


def _outputs(folder: Path) -> DubOutputs:
    return DubOutputs(
        folder / "mix.wav", folder / "mix.m4a", folder / "voice.wav", folder / "voice.m4a"
    )


def _rms_db(samples: npt.NDArray[np.float64]) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples))) + 1e-12))


# 6.503 s: 286 797 samples at 44.1 kHz, 312 160 at 48 kHz, between two milliseconds (an
# .m4a whose edit list counts milliseconds cannot declare it exactly).
BED_44K = 286_797
BED_FRAMES = 312_160


@pytest.fixture
async def bed(tmp_path: Path) -> Path:
    # Pink noise at 44.1 kHz stereo: resampled and measured like a real bed.
    return await _make(
        tmp_path / "bed.wav",
        "anoisesrc=c=pink:r=44100:a=0.05:seed=7",
        *("-af", f"atrim=end_sample={BED_44K}", "-ac", "2"),
    )


async def test_outputs_are_exactly_the_programme_long_and_the_mix_is_on_target(
    bed: Path, tmp_path: Path
) -> None:
    line = await _line(tmp_path / "line.wav")
    out = _outputs(tmp_path / "out")
    lines = [PlacedLine(line, 0.5), PlacedLine(line, 3.0), PlacedLine(line, 5.5)]

    result = await render_dub(bed, lines, out, target=TARGET, ducking=Ducking())

    frames = BED_FRAMES
    assert result.frames == frames
    for wav in (out.mix_wav, out.voice_wav):
        assert await decoded_frames(wav, RATE) == frames, wav.name
    for aac in (out.mix_aac, out.voice_aac):
        # The edit list declares the programme to the sample; ffmpeg 5.1 applies its start
        # (the encoder's priming) but decodes the last 1024-sample frame whole.
        assert declared_frames(aac) == frames, aac.name
        assert await decoded_frames(aac, RATE) in (frames, aac_decoded_frames(frames)), aac.name
    assert soundfile.info(str(out.mix_wav)).channels == 2
    assert soundfile.info(str(out.voice_wav)).channels == 1
    measured = await _measure(out.mix_wav)
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert measured.true_peak_dbtp is not None and measured.true_peak_dbtp <= -1.0
    assert result.on_target
    assert result.loudness.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.1)
    # The AAC mix is encoded from the same graph's samples as the WAV: the same loudness.
    coded = await _measure(out.mix_aac)
    assert coded.integrated_lufs == pytest.approx(measured.integrated_lufs, abs=0.2)
    # A loudness curve point every half second, loud where the mix is.
    assert [p.t for p in result.curve[:3]] == [0.0, 0.5, 1.0]
    assert len(result.curve) == pytest.approx(6.5 / 0.5, abs=1)
    assert any(p.lufs is not None and p.lufs > -35 for p in result.curve)
    # Measured from the start too (momentary loudness before the 3 s window fills).
    assert all(p.lufs is not None for p in result.curve if 0.5 <= p.t < 3.0)


async def test_a_loud_clipped_bed_is_limited_to_the_true_peak_at_another_target(
    tmp_path: Path,
) -> None:
    # A quiet tone under clicks clipped at full scale: -16 LUFS needs the limiter for -1 dBTP.
    bed = await _make(
        tmp_path / "bed.flac",
        "aevalsrc=exprs='0.03*sin(2*PI*440*t)+clip(3*lt(mod(t\\,0.5)\\,0.003)\\,-1\\,1)'"
        ":s=48000:d=4",
        "-ac",
        "2",
    )
    target = LoudnessTarget(integrated_lufs=-16.0)
    out = _outputs(tmp_path)

    result = await render_dub(bed, [], out, target=target, ducking=Ducking())

    measured = await _measure(out.mix_wav)
    assert measured.integrated_lufs == pytest.approx(-16.0, abs=0.5)
    assert measured.true_peak_dbtp is not None and measured.true_peak_dbtp <= -1.0
    assert result.limited and result.on_target
    assert await decoded_frames(out.mix_wav, RATE) == 4 * RATE


async def test_the_voice_stem_carries_the_gain_it_has_in_the_mix(tmp_path: Path) -> None:
    silent_bed = await _make(tmp_path / "bed.wav", "anullsrc=r=48000:cl=stereo", "-t", "4")
    line = await _line(tmp_path / "line.wav")
    out = _outputs(tmp_path / "out")

    result = await render_dub(silent_bed, [PlacedLine(line, 1.0)], out, target=TARGET, ducking=None)

    mix, _ = soundfile.read(str(out.mix_wav))
    voice, _ = soundfile.read(str(out.voice_wav))
    # Nothing but the voice in the mix: each side of it is the delivered voice stem.
    assert np.max(np.abs(mix[:, 0] - voice)) < 1e-4
    assert np.max(np.abs(mix[:, 1] - voice)) < 1e-4
    assert result.gain_db != 0.0
    assert (await _measure(out.voice_wav)).integrated_lufs is not None


async def test_ducking_lowers_the_bed_under_lines_and_only_there(bed: Path, tmp_path: Path) -> None:
    # A silent line: what sounds in the mix is the bed alone, ducked or not.
    quiet = tmp_path / "quiet.wav"
    soundfile.write(str(quiet), np.zeros(RATE * 2, dtype=np.float32), RATE, subtype="FLOAT")
    lines = [PlacedLine(quiet, 2.0)]
    ducked, plain = _outputs(tmp_path / "ducked"), _outputs(tmp_path / "plain")

    await render_dub(bed, lines, ducked, target=TARGET, ducking=Ducking(depth_db=6.0))
    await render_dub(bed, lines, plain, target=TARGET, ducking=None)

    def dip(out: DubOutputs) -> float:
        mix, _ = soundfile.read(str(out.mix_wav))
        under = mix[int(2.3 * RATE) : int(3.7 * RATE)]
        clear = np.concatenate([mix[: int(1.5 * RATE)], mix[int(4.7 * RATE) :]])
        return _rms_db(clear) - _rms_db(under)

    assert dip(ducked) == pytest.approx(6.0, abs=0.7)
    assert dip(plain) == pytest.approx(0.0, abs=0.7)


async def test_lines_overlap_by_summing_and_past_the_end_are_cut(tmp_path: Path) -> None:
    silent_bed = await _make(tmp_path / "bed.wav", "anullsrc=r=22050:cl=mono", "-t", "3")
    tone = tmp_path / "tone.wav"
    # 100 Hz: lines half a second apart are in phase, so where they overlap they add up.
    wave = 0.1 * np.sin(2 * np.pi * 100 * np.arange(RATE) / RATE)
    soundfile.write(str(tone), wave.astype(np.float32), RATE, subtype="FLOAT")
    lines = [PlacedLine(tone, 0.5), PlacedLine(tone, 1.0), PlacedLine(tone, 2.5)]
    out = _outputs(tmp_path)

    await render_dub(silent_bed, lines, out, target=TARGET, ducking=None)

    voice, _ = soundfile.read(str(out.voice_wav))
    assert len(voice) == 3 * RATE

    def level(t: float) -> float:
        return _rms_db(voice[int(t * RATE) : int((t + 0.4) * RATE)])

    assert level(0.05) < -100
    assert level(1.05) - level(0.55) == pytest.approx(20 * np.log10(2), abs=0.1)
    assert level(1.55) == pytest.approx(level(0.55), abs=0.1)
    assert level(2.05) < -100
    assert level(2.55) == pytest.approx(level(0.55), abs=0.1), "cut at the end, not dropped"


async def test_a_silent_programme_renders_silence_without_gain(tmp_path: Path) -> None:
    silent_bed = await _make(tmp_path / "bed.wav", "anullsrc=r=48000:cl=stereo", "-t", "2")
    out = _outputs(tmp_path)

    result = await render_dub(silent_bed, [], out, target=TARGET, ducking=Ducking())

    assert result.loudness == Loudness(None, None) and result.gain_db == 0.0
    assert await decoded_frames(out.mix_wav, RATE) == 2 * RATE


# Formats, channel counts, rates and sample formats a background may come in.
INPUTS = [
    ("s16-mono-8k.wav", ["-ac", "1", "-ar", "8000", "-c:a", "pcm_s16le"]),
    ("u8-stereo-22k.wav", ["-ac", "2", "-ar", "22050", "-c:a", "pcm_u8"]),
    ("s24-51-96k.wav", ["-ac", "6", "-ar", "96000", "-c:a", "pcm_s24le"]),
    ("s32-stereo-44k.wav", ["-ac", "2", "-ar", "44100", "-c:a", "pcm_s32le"]),
    ("f32-stereo-48k.wav", ["-ac", "2", "-ar", "48000", "-c:a", "pcm_f32le"]),
    ("stereo.flac", ["-ac", "2", "-ar", "44100", "-sample_fmt", "s32"]),
    ("mono.aiff", ["-ac", "1", "-ar", "32000"]),
    ("stereo.mp3", ["-ac", "2", "-ar", "44100"]),
    ("51.m4a", ["-ac", "6", "-ar", "48000", "-c:a", "aac"]),
    ("stereo.ogg", ["-ac", "2", "-ar", "48000", "-c:a", "libopus"]),
]


@pytest.mark.parametrize(("name", "options"), INPUTS, ids=[n for n, _ in INPUTS])
async def test_backgrounds_of_every_kind_decode_and_set_the_programme_length(
    tmp_path: Path, name: str, options: list[str]
) -> None:
    bed = await _make(tmp_path / name, "anoisesrc=d=1:c=pink:a=0.1:r=48000", *options)
    line = await _line(tmp_path / "line.wav", FRENCH)
    out = _outputs(tmp_path / "out")

    result = await render_dub(bed, [PlacedLine(line, 0.2)], out, target=TARGET, ducking=Ducking())

    # Lossy codecs may add or drop a frame's worth; the programme is what decodes.
    assert result.frames == await decoded_frames(bed, RATE)
    assert result.frames == pytest.approx(RATE, abs=2 * AAC_FRAME)
    assert await decoded_frames(out.mix_wav, RATE) == result.frames
    assert result.on_target


async def test_the_downmix_keeps_a_centre_only_bed_centred(tmp_path: Path) -> None:
    bed = await _make(
        tmp_path / "bed.wav", "aevalsrc=exprs=0|0|0.3*sin(2*PI*300*t)|0|0|0:s=48000:d=2"
    )
    out = _outputs(tmp_path / "out")
    await render_dub(bed, [], out, target=TARGET, ducking=None)
    mix, _ = soundfile.read(str(out.mix_wav))
    assert np.max(np.abs(mix[:, 0] - mix[:, 1])) < 1e-4 and np.max(np.abs(mix)) > 0.01


async def test_a_header_claiming_more_audio_than_the_file_holds_gets_the_real_length(
    tmp_path: Path,
) -> None:
    bed = await _make(tmp_path / "bed.wav", "anoisesrc=d=3:a=0.1:r=48000", "-c:a", "pcm_s16le")
    data = bed.read_bytes()
    bed.write_bytes(data[: len(data) // 2])  # the header still says 3 s
    out = _outputs(tmp_path / "out")

    result = await render_dub(bed, [], out, target=TARGET, ducking=None)

    assert result.frames == pytest.approx(1.5 * RATE, abs=100)
    assert await decoded_frames(out.mix_wav, RATE) == result.frames


async def test_a_line_that_is_not_48k_mono_fails_clearly_and_leaves_nothing(
    bed: Path, tmp_path: Path
) -> None:
    out = _outputs(tmp_path / "out")
    with pytest.raises(MediaError, match=r"dubbed line 2 is 44100 Hz with 1 channels"):
        await render_dub(
            bed,
            [PlacedLine(await _line(tmp_path / "ok.wav"), 0.0), PlacedLine(ENGLISH, 1.0)],
            out,
            target=TARGET,
            ducking=None,
        )
    assert not any(p.exists() for p in out.all())


async def test_an_unreadable_background_fails_and_leaves_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really a wav")
    out = _outputs(tmp_path / "out")
    with pytest.raises(MediaError, match=r"decoding broken\.wav failed"):
        await render_dub(broken, [], out, target=TARGET, ducking=None)
    assert not any(p.exists() for p in out.all())
    with pytest.raises(MediaError, match="background stem is missing"):
        await render_dub(tmp_path / "gone.wav", [], out, target=TARGET, ducking=None)
