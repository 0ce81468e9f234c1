"""Finds out how long an audio file is: its streams via ffprobe, its length by decoding."""

import asyncio
from pathlib import Path
from typing import Any

import ffmpeg

from libs.media.decoded_length import decoded_frames
from libs.media.errors import MediaError

# Lengths are counted at the rate outputs are rendered at, so they convert without rounding.
COUNT_RATE = 48_000


async def probe_duration(path: Path) -> float:
    """Seconds of audio `path` really holds (decoded, not read from a header); MediaError if none."""
    if not await asyncio.to_thread(path.is_file):
        raise MediaError(f"media file not found: {path.name}")
    info = await asyncio.to_thread(_probe, path)
    require_audio_stream(info, name=path.name)  # a clearer reason than a failed decode
    try:
        frames = await decoded_frames(path, COUNT_RATE)
    except MediaError as exc:
        # ffmpeg's own words name server paths: the reason for a person is enough.
        raise MediaError(f"{path.name} could not be decoded as audio") from exc
    if frames == 0:
        raise MediaError(f"{path.name} holds no decodable audio")
    return frames / COUNT_RATE


def _probe(path: Path) -> dict[str, Any]:
    try:
        result: dict[str, Any] = ffmpeg.probe(str(path))
    except ffmpeg.Error as exc:
        raise MediaError(f"{path.name} is not a readable media file") from exc
    except FileNotFoundError as exc:
        raise MediaError("cannot probe media: ffprobe is not installed") from exc
    return result


def require_audio_stream(info: dict[str, Any], *, name: str) -> None:
    """MediaError unless ffprobe's JSON lists an audio stream (pure)."""
    if not any(s.get("codec_type") == "audio" for s in info.get("streams", [])):
        raise MediaError(f"{name} contains no audio stream")
