"""Runs the ffmpeg command-line tool asynchronously, turning failures into MediaError."""

import asyncio
from collections.abc import Sequence

from libs.media.errors import MediaError

_STDERR_TAIL_CHARS = 800


async def run_ffmpeg(args: Sequence[str], *, what: str) -> bytes:
    """Run `ffmpeg <args>` and return its stdout; `what` names the task in error messages."""
    command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError as exc:
        raise MediaError(f"{what} failed: ffmpeg is not installed") from exc
    try:
        stdout, stderr = await process.communicate()
    except asyncio.CancelledError:
        # Cancelling the coroutine does not stop the child; leave no orphaned ffmpeg behind.
        process.kill()
        await asyncio.shield(process.wait())
        raise
    if process.returncode != 0:
        raise MediaError(
            f"{what} failed (ffmpeg exit code {process.returncode}): {stderr_tail(stderr)}"
        )
    return stdout


def stderr_tail(stderr: bytes | str) -> str:
    """The last part of a tool's stderr, enough to see why it failed."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = text.strip()
    if not text:
        return "(no error output)"
    return text if len(text) <= _STDERR_TAIL_CHARS else "…" + text[-_STDERR_TAIL_CHARS:]
