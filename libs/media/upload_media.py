"""Judges an uploaded stem by decoding it: an allow-listed container holding one audio stream
of an allow-listed codec, whose length is what decodes, not what the header claims."""

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from libs.refusal import Refused

# Demuxers ffmpeg may even try (probing others is refused before they open the file): no
# playlists (hls), concatenation lists (concat), image sequences or anything that names other
# files or URLs. "mov" is ISO BMFF (.m4a, .mp4), "matroska" includes WebM.
CONTAINERS = ("wav", "w64", "flac", "aiff", "mp3", "mov", "ogg", "aac", "matroska")
CODECS = frozenset(
    {
        *(f"pcm_{k}{e}" for k in ("s16", "s24", "s32", "f32", "f64") for e in ("le", "be")),
        "pcm_u8",
        "pcm_s8",
        "flac",
        "alac",
        "mp3",
        "aac",
        "opus",
        "vorbis",
    }
)
FORMATS_IN_WORDS = "WAV, FLAC, AIFF, MP3, AAC/M4A, Ogg (Vorbis, Opus) or WebM/Matroska audio"
# Decoded for measuring only: 8 kHz mono 16-bit is plenty to count samples, and cheap.
_RATE = 8000
_ISOLATED = ["-protocol_whitelist", "file", "-format_whitelist", ",".join(CONTAINERS)]


class MediaRefused(Refused, ValueError):
    """An upload that is not acceptable audio."""


@dataclass(frozen=True, slots=True)
class AudioFacts:
    """What decoding found."""

    duration_s: float
    container: str
    codec: str
    channels: int
    sample_rate: int


# Beyond 7.1 the measuring decode's downmix has no layout to go by (and no stem is made so).
MAX_CHANNELS = 8


def judge_streams(info: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The container and the one audio stream of ffprobe's JSON, or `MediaRefused` (pure)."""
    container = str(info.get("format", {}).get("format_name", ""))
    streams = list(info.get("streams", []))
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        raise MediaRefused("no_audio_stream", "The file holds no audio stream.")
    if len(streams) != 1:
        raise MediaRefused(
            "not_single_audio_stream",
            f"The file holds {len(streams)} streams; upload one audio stream only "
            "(export the stem as an audio file).",
        )
    codec = str(audio[0].get("codec_name", ""))
    if codec not in CODECS:
        raise MediaRefused(
            "unsupported_codec",
            f"Audio encoded as {codec or 'unknown'} is not accepted; use {FORMATS_IN_WORDS}.",
        )
    channels = int(audio[0].get("channels") or 0)
    if channels > MAX_CHANNELS:
        raise MediaRefused(
            "too_many_channels",
            f"The audio has {channels} channels; stems of up to {MAX_CHANNELS} (7.1) are "
            "accepted: export the stem in stereo or 5.1.",
        )
    return container, audio[0]


async def inspect_upload(path: Path, *, max_duration_s: float) -> AudioFacts:
    """Probe and fully decode `path`; `MediaRefused` with a reason a person can act on."""
    container, stream = judge_streams(await _probe(path))
    duration = await _decoded_seconds(path, max_duration_s)
    if duration <= 0:
        raise MediaRefused("empty_audio", "The audio stream decodes to no samples.")
    return AudioFacts(
        duration_s=duration,
        container=container,
        codec=str(stream.get("codec_name")),
        channels=int(stream.get("channels") or 0),
        sample_rate=int(stream.get("sample_rate") or 0),
    )


async def _probe(path: Path) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", *_ISOLATED, "-show_format", "-show_streams", "-of", "json",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await process.communicate()
    try:
        info: dict[str, Any] = json.loads(out) if process.returncode == 0 else {}
    except ValueError:
        info = {}
    if not info.get("format"):
        # ffprobe's own words stay in our logs at most: they name paths and build flags.
        raise MediaRefused(
            "unreadable_media", f"The file is not audio in an accepted format ({FORMATS_IN_WORDS})."
        )
    return info


async def _decoded_seconds(path: Path, max_duration_s: float) -> float:
    process = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-v", "error", *_ISOLATED, "-i", str(path),
        "-map", "0:a:0", "-ac", "1", "-ar", str(_RATE), "-f", "s16le", "pipe:1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    limit = int(max_duration_s * _RATE * 2)
    size = 0
    try:
        while chunk := await process.stdout.read(1 << 16):
            size += len(chunk)
            if size > limit:
                raise MediaRefused(
                    "too_long",
                    f"The audio lasts more than the {max_duration_s / 60:g} minutes accepted.",
                )
        if await process.wait() != 0:
            raise MediaRefused(
                "undecodable_media", "The audio could not be decoded to its end: it is damaged."
            )
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return size / 2 / _RATE
