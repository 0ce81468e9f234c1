"""Decoding synthesized clips of every format a TTS writes, in-process or through ffmpeg."""

from pathlib import Path

import numpy as np
import pytest

from libs.media.clip_decode import decode_clip
from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg
from libs.media.mono_decode import decode_mono
from tests.support.samples import ENGLISH

RATE = 48_000
SPEECH_S = 2.744943


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("clip.wav", ["-ar", "22050", "-c:a", "pcm_s16le"]),
        ("clip.flac", ["-ar", "16000", "-af", "pan=stereo|c0=c0|c1=c0"]),
        ("clip.mp3", ["-ar", "24000"]),
        ("clip.ogg", ["-c:a", "libopus"]),
        ("clip.m4a", ["-c:a", "aac"]),
        ("clip.aiff", ["-af", "pan=5.1|FL=c0|FR=c0", "-c:a", "pcm_s24be"]),
    ],
)
async def test_any_format_decodes_to_the_same_speech(
    tmp_path: Path, name: str, args: list[str]
) -> None:
    clip = tmp_path / name
    await run_ffmpeg(["-i", str(ENGLISH), *args, str(clip)], what="test clip")
    samples = await decode_clip(clip, rate=RATE, what="clip")
    reference = await decode_mono(clip, rate=RATE, what="clip")
    assert samples.dtype == np.float32
    # Lossy codecs pad a little; the speech itself is the same length whichever decoder reads it.
    assert abs(len(samples) - SPEECH_S * RATE) < 0.06 * RATE
    assert abs(len(samples) - len(reference)) < 0.03 * RATE
    rms = float(np.sqrt(np.mean(np.square(samples))))
    ref_rms = float(np.sqrt(np.mean(np.square(reference))))
    assert rms == pytest.approx(ref_rms, rel=0.1)


async def test_garbage_is_a_media_error_naming_the_line(tmp_path: Path) -> None:
    junk = tmp_path / "line.ogg"
    junk.write_bytes(b"OggS" + bytes(200))
    with pytest.raises(MediaError, match=r"^the clip of line 2 could not be decoded as audio$"):
        await decode_clip(junk, rate=RATE, what="the clip of line 2")
