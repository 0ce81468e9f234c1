"""Finds out how long an audio file is, via ffprobe."""

import asyncio
from pathlib import Path
from typing import Any

import ffmpeg

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import stderr_tail
from libs.media.wav import wav_duration


async def probe_duration(path: Path) -> float:
    """Duration in seconds of the audio in `path`; MediaError if it holds no decodable audio."""
    # A WAV header is one small read, done on the loop: a worker-thread hop costs more.
    duration = _header_duration(path)
    if duration > 0:
        return duration
    info = await asyncio.to_thread(_probe, path)
    return audio_duration(info, name=path.name)


def _header_duration(path: Path) -> float:
    # PCM WAV, the common case, tells its length in its header: no ffprobe process needed.
    if not path.is_file():
        raise MediaError(f"media file not found: {path}")
    try:
        return wav_duration(path)
    except MediaError:
        return 0.0


def _probe(path: Path) -> dict[str, Any]:
    try:
        result: dict[str, Any] = ffmpeg.probe(str(path))
    except ffmpeg.Error as exc:
        raise MediaError(
            f"{path.name} is not a readable media file: {stderr_tail(exc.stderr or b'')}"
        ) from exc
    except FileNotFoundError as exc:
        raise MediaError("cannot probe media: ffprobe is not installed") from exc
    return result


def audio_duration(info: dict[str, Any], *, name: str) -> float:
    """The duration from ffprobe's JSON, requiring an audio stream (pure)."""
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not streams:
        raise MediaError(f"{name} contains no audio stream")
    for raw in (info.get("format", {}).get("duration"), streams[0].get("duration")):
        try:
            duration = float(raw)
        except (TypeError, ValueError):
            continue
        if duration > 0:
            return duration
    raise MediaError(f"{name} has an audio stream of unknown or zero duration")
