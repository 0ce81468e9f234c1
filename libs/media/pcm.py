"""Decodes any audio file to the raw 16 kHz mono 16-bit PCM speech recognisers expect."""

import asyncio
from pathlib import Path

from libs.media.errors import MediaError
from libs.media.ffmpeg_run import run_ffmpeg

SAMPLE_RATE = 16_000


async def decode_to_pcm16(audio: Path) -> bytes:
    """Little-endian signed 16-bit mono samples at SAMPLE_RATE, via ffmpeg."""
    if not await asyncio.to_thread(audio.is_file):
        raise MediaError(f"audio file not found: {audio}")
    return await run_ffmpeg(
        ["-i", str(audio), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"],
        what=f"decoding {audio.name}",
    )
