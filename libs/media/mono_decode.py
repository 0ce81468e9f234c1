"""Decodes an audio file, or a span of it, to mono float32 samples at a chosen rate (via ffmpeg)."""

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt

from libs.media.child_process import communicate_or_kill
from libs.media.errors import MediaError

Samples = npt.NDArray[np.float32]

_MID = "aformat=channel_layouts=stereo,pan=mono|c0=0.5*c0+0.5*c1"


async def decode_mono(
    path: Path,
    *,
    rate: int,
    what: str,
    start_s: float | None = None,
    duration_s: float | None = None,
    channels: int | None = None,
) -> Samples:
    """Mono float32 samples of `path` (downmixed, resampled); `what` names it in errors.

    With `start_s`/`duration_s` only that span is decoded, so a long file is never read whole.
    Mono is the mid of the stereo picture: (L+R)/2 of stereo, of surround its ITU stereo
    downmix (a centre-only voice reads 3 dB under the same voice in mono).
    `channels` (from `audio_channels`) saves a probe when spans of one file are read often.
    Raises MediaError, whose message names `what` and never carries tool output or paths.
    """
    if not await asyncio.to_thread(path.is_file):
        raise MediaError(f"{what} is missing")
    if channels is None:
        channels = await audio_channels(path, what=what)
    # ffmpeg's own `-ac 1` sums stereo unscaled into float output; spell the mid out instead.
    downmix = ["-ac", "1"] if channels == 1 else ["-af", _MID]
    seek = ["-ss", f"{start_s:.6f}"] if start_s else []
    span = ["-t", f"{duration_s:.6f}"] if duration_s is not None else []
    command = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
        *seek, *span, "-i", str(path),
        "-vn", *downmix, "-ar", str(rate), "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    stdout = await _run(command, what=what)
    usable = len(stdout) - len(stdout) % 4
    return np.frombuffer(stdout[:usable], dtype="<f4").astype(np.float32)


async def audio_channels(path: Path, *, what: str) -> int:
    """How many channels the first audio stream of `path` has (ffprobe)."""
    probe = [
        "ffprobe", "-v", "error", "-select_streams", "a:0",
        "-show_entries", "stream=channels", "-of", "csv=p=0", str(path),
    ]  # fmt: skip
    output = (await _run(probe, what=what)).decode("ascii", "replace").strip()
    try:
        return max(1, int(output.splitlines()[0]))
    except (ValueError, IndexError):
        raise MediaError(f"{what} could not be decoded as audio") from None


async def _run(command: list[str], *, what: str) -> bytes:
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise MediaError(f"cannot decode {what}: {command[0]} is not installed") from exc
    stdout, _ = await communicate_or_kill(process)
    if process.returncode != 0:
        # The tool's own words would expose server paths; the reason for a person is enough.
        raise MediaError(f"{what} could not be decoded as audio")
    return stdout
