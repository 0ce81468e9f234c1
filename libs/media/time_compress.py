"""Time-compresses speech to an exact length with Rubber Band's R3 (finer) engine, pitch kept."""

import asyncio
import contextlib
from pathlib import Path

import numpy as np
import soundfile

from libs.media.child_process import communicate_or_kill
from libs.media.errors import MediaError
from libs.media.mono_decode import Samples


async def compress_to_length(
    samples: Samples, length: int, rate: int, *, scratch: Path, what: str
) -> Samples:
    """`samples` squeezed in time to `length` samples (at most a few samples off; fit after).

    `scratch` is a file stem for the two temporary WAVs (removed afterwards); `what` names the
    line in errors, which never carry tool output.
    """
    if length <= 0 or len(samples) == 0:
        return np.zeros(0, dtype=np.float32)
    source = scratch.with_name(scratch.name + ".in.wav")
    target = scratch.with_name(scratch.name + ".out.wav")
    try:
        await asyncio.to_thread(soundfile.write, source, samples, rate, subtype="FLOAT")
        command = ["rubberband", "-3", "-q", "-D", f"{length / rate:.9f}", str(source), str(target)]
        try:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except FileNotFoundError as exc:
            raise MediaError(f"cannot time-compress {what}: rubberband is not installed") from exc
        await communicate_or_kill(process)
        if process.returncode != 0:
            raise MediaError(f"time compression of {what} failed")
        data, _ = await asyncio.to_thread(soundfile.read, target, dtype="float32", always_2d=True)
        return np.ascontiguousarray(data[:, 0], dtype=np.float32)
    finally:
        for path in (source, target):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
