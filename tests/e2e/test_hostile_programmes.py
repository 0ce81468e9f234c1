"""Held-out programmes through every service process with the default offline providers: stems
in odd formats, channel counts and rates, of slightly different lengths, or very short. Each job
completes with outputs exactly the background's length, or fails saying why; none loops."""

import asyncio
import subprocess
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from redub.cli.demo_media import make_demo_stems
from redub.runtime.dev_stack import DevStack
from tests.support.api import client
from tests.support.media import tone_wav

RATE = 48_000


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def native(path: Path) -> tuple[int, int]:
    """(frames ffmpeg decodes, the stream's sample rate)."""
    rate = int(
        subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
             "stream=sample_rate", "-of", "csv=p=0", str(path)],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return len(raw) // 4, rate


def wav_frames(data: bytes, folder: Path, name: str) -> tuple[int, int]:
    path = folder / name
    path.write_bytes(data)
    return native(path)


Programme = tuple[Path, Path]


def transcoder(tmp: Path, voice: Path, bed: Path, out: dict[str, Programme]) -> Callable[..., None]:
    """`make(name, voice_args, voice_ext, bed_args, bed_ext)`: both stems re-encoded by
    ffmpeg with those arguments, added to `out` as `name`."""

    def make(name: str, voice_args: list[str], v_ext: str, bed_args: list[str], b_ext: str) -> None:
        v, b = tmp / f"{name}-voice.{v_ext}", tmp / f"{name}-bed.{b_ext}"
        ffmpeg("-i", str(voice), *voice_args, str(v))
        ffmpeg("-i", str(bed), *bed_args, str(b))
        out[name] = (v, b)

    return make


def programmes(tmp: Path) -> dict[str, Programme]:
    voice, bed = asyncio.run(make_demo_stems(tmp / "demo"))
    out: dict[str, Programme] = {}

    make = transcoder(tmp, voice, bed, out)
    make(
        "8k-mono-voice_96k-5.1-flac24-bed",
        ["-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le"], "wav",
        ["-af", "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0", "-ar", "96000",
         "-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"], "flac",
    )  # fmt: skip
    make(
        "opus-voice_mp3-bed",
        ["-c:a", "libopus", "-b:a", "48k"], "opus",
        ["-ar", "44100", "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k"], "mp3",
    )  # fmt: skip
    make(
        "flac24-96k-stereo-voice_m4a-bed",
        ["-ar", "96000", "-ac", "2", "-c:a", "flac", "-sample_fmt", "s32"], "flac",
        ["-ar", "44100", "-ac", "2", "-c:a", "aac", "-b:a", "128k"], "m4a",
    )  # fmt: skip
    make(
        "voice-0.8s-longer-than-bed",
        ["-af", "apad=pad_dur=0.8"], "wav",
        ["-c:a", "pcm_s16le"], "wav",
    )  # fmt: skip
    make(
        "voice-0.8s-shorter-than-bed",
        ["-c:a", "pcm_s16le"], "wav",
        ["-af", "apad=pad_dur=0.8"], "wav",
    )  # fmt: skip
    frames, rate = native(voice)
    make(
        "bed-0.9s-shorter-cutting-the-last-line",
        ["-c:a", "pcm_s16le"], "wav",
        ["-t", f"{frames / rate - 0.9:.3f}", "-c:a", "pcm_s16le"], "wav",
    )  # fmt: skip
    out["very-short-0.3s"] = (
        tone_wav(tmp / "short-v.wav", 0.3, amplitude=0.3),
        tone_wav(tmp / "short-b.wav", 0.3),
    )
    out["silent-voice"] = (
        tone_wav(tmp / "silent-v.wav", 4.0, amplitude=0.0),
        tone_wav(tmp / "silent-b.wav", 4.0),
    )
    return out


def upload(c: httpx.Client, path: Path) -> str:
    with path.open("rb") as f:
        r = c.post("/v1/uploads/file", files={"file": (path.name, f, "application/octet-stream")})
    assert r.status_code == 201, (path.name, r.text)
    return str(r.json()["upload_id"])


def wait_all(
    c: httpx.Client, jobs: dict[str, str], timeout: float, done: Callable[[dict[str, Any]], bool]
) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    views: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        views = {name: c.get(f"/v1/jobs/{job}").json() for name, job in jobs.items()}
        if all(done(v) for v in views.values()):
            return views
        time.sleep(1)
    stuck = {n: v.get("status") for n, v in views.items() if not done(v)}
    raise AssertionError(f"jobs never finished (looping or hung): {stuck}")


def channels_plain(source: Path, dest: Path, channels: int) -> Path:
    """`source` as a plain PCM WAV (no channel mask, as many tools write) of `channels`."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(source), "-ac", "1", "-f", "s16le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    rate = native(source)[1]
    with wave.open(str(dest), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(np.frombuffer(raw, "<i2"), channels).tobytes())
    return dest


def more_programmes(tmp: Path) -> dict[str, Programme]:
    """Stems the contract is silent or lenient about, and a long unbroken line."""
    voice, bed = asyncio.run(make_demo_stems(tmp / "demo"))
    out: dict[str, Programme] = {}

    make = transcoder(tmp, voice, bed, out)
    make(
        "7.1-voice_192k-bed",
        ["-af", "pan=7.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0|SL=c0|SR=c0"], "wav",
        ["-ar", "192000"], "wav",
    )  # fmt: skip
    make("4k-voice_u8-bed", ["-ar", "4000"], "wav", ["-c:a", "pcm_u8"], "wav")
    make("f64-voice_aiff-bed", ["-c:a", "pcm_f64le"], "wav", [], "aiff")
    make("w64-voice_vorbis-bed", [], "w64", ["-c:a", "libvorbis"], "ogg")
    make("webm-opus-voice_alac-bed", ["-c:a", "libopus"], "webm", ["-c:a", "alac"], "m4a")
    make(
        "22k-mp3-voice_mp3-bed",
        ["-ar", "22050", "-c:a", "libmp3lame"], "mp3",
        ["-ar", "22050", "-c:a", "libmp3lame"], "mp3",
    )  # fmt: skip
    out["3ch-plain-voice_6ch-plain-bed"] = (
        channels_plain(voice, tmp / "p3-voice.wav", 3),
        channels_plain(bed, tmp / "p6-bed.wav", 6),
    )
    long_voice, long_bed = asyncio.run(
        make_demo_stems(
            tmp / "long",
            [
                "This is one very long sentence that keeps going without any pause at all "
                "because the speaker wants to explain every single detail of the programme "
                "before the music starts again and the audience at home begins to wonder "
                "whether the sentence will ever come to an end or simply go on and on forever"
            ],
        )
    )
    out["one-long-line"] = (long_voice, long_bed)
    return out


def silences_and_noise(tmp: Path) -> dict[str, Programme]:
    """Digital silence on either side, and a voice stem that is only loud noise."""
    voice, _ = asyncio.run(make_demo_stems(tmp / "demo"))
    seconds = native(voice)[0] / native(voice)[1]
    silent_bed = tone_wav(tmp / "zero-bed.wav", seconds, amplitude=0.0)
    noise = tmp / "noise-voice.wav"
    ffmpeg("-f", "lavfi", "-i", f"anoisesrc=d={seconds:.3f}:a=0.9:r=16000", str(noise))
    return {
        "all-silent": (
            tone_wav(tmp / "zero-v.wav", 5.0, amplitude=0.0),
            tone_wav(tmp / "zero-b.wav", 5.0, amplitude=0.0),
        ),
        "speech-over-digital-silence": (voice, silent_bed),
        "loud-noise-voice": (noise, tone_wav(tmp / "noise-bed.wav", seconds)),
    }


def test_silences_and_noise_complete_at_the_backgrounds_exact_length(
    start_stack: Any, tmp_path: Path
) -> None:
    dub_all(start_stack, tmp_path, silences_and_noise(tmp_path))


def test_held_out_programmes_complete_at_the_backgrounds_exact_length(
    start_stack: Any, tmp_path: Path
) -> None:
    dub_all(start_stack, tmp_path, programmes(tmp_path))


def test_lenient_formats_and_a_long_line_complete_at_the_backgrounds_exact_length(
    start_stack: Any, tmp_path: Path
) -> None:
    dub_all(start_stack, tmp_path, more_programmes(tmp_path))


def dub_all(start_stack: Any, tmp_path: Path, made: dict[str, Programme]) -> None:
    """Dub every programme into Spanish on one stack; each must complete at the background's
    exact length (at 48 kHz)."""
    stack: DevStack = start_stack()
    problems: list[str] = []
    with client(stack.settings.gateway_url, stack.settings.jwt_secret or "") as c:
        jobs: dict[str, str] = {}
        for name, (voice, bed) in made.items():
            r = c.post(
                "/v1/jobs",
                json={
                    "voice_upload_id": upload(c, voice),
                    "background_upload_id": upload(c, bed),
                    "target_languages": ["es"],
                },
            )
            if r.status_code != 202:
                problems.append(f"{name}: submission refused {r.status_code} {r.text}")
                continue
            jobs[name] = r.json()["job_id"]
        views = wait_all(
            c, jobs, 600, lambda v: v["status"] in ("completed", "failed", "cancelled")
        )
        for name, view in views.items():
            if view["status"] != "completed":
                problems.append(f"{name}: {view['status']}: {view.get('failure')}")
                continue
            frames, rate = native(made[name][1])
            expected = frames * RATE / rate
            for kind in ("mix", "voice"):
                r = c.get(f"/v1/jobs/{jobs[name]}/artifacts/es/{kind}")
                assert r.status_code == 200, (name, kind, r.text)
                got, got_rate = wav_frames(r.content, tmp_path, f"{name}-{kind}.wav")
                if got_rate != RATE or abs(got - expected) > 1:
                    problems.append(
                        f"{name}: {kind} has {got} frames at {got_rate} Hz, "
                        f"the background {frames} at {rate} Hz (= {expected:.1f} at 48 kHz)"
                    )
    assert problems == [], "\n".join(problems)
