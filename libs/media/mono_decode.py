"""Decodes an audio file, or a span of it, to mono float32 samples at a chosen rate (via ffmpeg)."""

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libs.media.errors import MediaError

Samples = npt.NDArray[np.float32]


async def decode_mono(
    path: Path,
    *,
    rate: int,
    what: str,
    start_s: float | None = None,
    duration_s: float | None = None,
) -> Samples:
    """Mono float32 samples of `path` (downmixed, resampled); `what` names it in errors.

    With `start_s`/`duration_s` only that span is decoded, so a long file is never read whole.
    Raises MediaError, whose message names `what` and never carries tool output or paths.
    """
    if not await asyncio.to_thread(path.is_file):
        raise MediaError(f"{what} is missing")
    seek = ["-ss", f"{start_s:.6f}"] if start_s else []
    span = ["-t", f"{duration_s:.6f}"] if duration_s is not None else []
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        *seek, *span, "-i", str(path),
        "-vn", "-ac", "1", "-ar", str(rate), "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise MediaError(f"cannot decode {what}: ffmpeg is not installed") from exc
    try:
        stdout, _ = await process.communicate()
    except asyncio.CancelledError:
        process.kill()
        await asyncio.shield(process.wait())
        raise
    if process.returncode != 0:
        # ffmpeg's own words would expose server paths; the reason for a person is enough.
        raise MediaError(f"{what} could not be decoded as audio")
    usable = len(stdout) - len(stdout) % 4
    return np.frombuffer(stdout[:usable], dtype="<f4").astype(np.float32)
