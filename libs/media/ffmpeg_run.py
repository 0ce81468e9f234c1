"""Runs the ffmpeg command-line tool asynchronously, turning failures into MediaError."""

import asyncio
import contextlib
import os
from collections.abc import Callable, Sequence
from typing import BinaryIO

from libs.media.errors import MediaError

_STDERR_TAIL_CHARS = 800


async def run_ffmpeg(args: Sequence[str], *, what: str) -> bytes:
    """Run `ffmpeg <args>` and return its stdout; `what` names the task in error messages."""
    stdout, _ = await _run(args, what=what, loglevel="error", feed=None)
    return stdout


async def run_ffmpeg_logged(
    args: Sequence[str],
    *,
    what: str,
    feed: Callable[[BinaryIO], None] | None = None,
    pass_fds: Sequence[int] = (),
) -> str:
    """Run ffmpeg at the `info` log level and return its log (filters print reports there).

    `feed`, if given, runs in a worker thread writing ffmpeg's stdin (`-i pipe:0`) and must
    return when done; the pipe is closed after it. `pass_fds` stay open in ffmpeg under the
    same numbers (outputs `pipe:N`).
    """
    _, stderr = await _run(args, what=what, loglevel="info", feed=feed, pass_fds=pass_fds)
    return stderr.decode("utf-8", "replace")


async def run_ffmpeg_from(fd: int, args: Sequence[str], *, what: str) -> None:
    """Run `ffmpeg <args>` reading its stdin (`-i pipe:0`) from `fd` (the caller closes it)."""
    await _run(args, what=what, loglevel="error", feed=None, stdin_fd=fd)


async def _run(
    args: Sequence[str],
    *,
    what: str,
    loglevel: str,
    feed: Callable[[BinaryIO], None] | None,
    pass_fds: Sequence[int] = (),
    stdin_fd: int | None = None,
) -> tuple[bytes, bytes]:
    command = ["ffmpeg", "-nostdin", "-nostats", "-hide_banner", "-loglevel", loglevel, "-y"]
    if feed is not None or stdin_fd is not None:
        command.remove("-nostdin")
    read_end, write_end = os.pipe() if feed is not None else (None, None)
    stdin: int = asyncio.subprocess.DEVNULL
    if read_end is not None:
        stdin = read_end
    elif stdin_fd is not None:
        stdin = stdin_fd
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            *args,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=tuple(pass_fds),
        )
    except FileNotFoundError as exc:
        _close(read_end, write_end)
        raise MediaError(f"{what} failed: ffmpeg is not installed") from exc
    _close(read_end)
    feeding = None
    if feed is not None and write_end is not None:
        feeding = asyncio.ensure_future(asyncio.to_thread(_feed, feed, write_end))
    try:
        stdout, stderr = await process.communicate()
        if feeding is not None:
            await feeding
    except BaseException:
        # Cancelling the coroutine does not stop the child; leave no orphaned ffmpeg behind
        # (its death also breaks the pipe, which ends the feeding thread).
        if process.returncode is None:
            process.kill()
            await asyncio.shield(process.wait())
        if feeding is not None:
            await asyncio.shield(asyncio.wait([feeding]))
        raise
    if process.returncode != 0:
        raise MediaError(
            f"{what} failed (ffmpeg exit code {process.returncode}): {stderr_tail(stderr)}"
        )
    return stdout, stderr


def _feed(feed: Callable[[BinaryIO], None], fd: int) -> None:
    pipe = open(fd, "wb", buffering=1 << 20)  # closed below, whatever happens
    try:
        feed(pipe)
        pipe.flush()
    except BrokenPipeError:
        # ffmpeg stopped reading (it failed or was killed): its exit status tells why.
        pass
    finally:
        # Closing tells ffmpeg the input ended; a broken pipe has nothing left to tell.
        with contextlib.suppress(BrokenPipeError):
            pipe.close()


def _close(*fds: int | None) -> None:
    for fd in fds:
        if fd is not None:
            os.close(fd)


def stderr_tail(stderr: bytes | str) -> str:
    """The last part of a tool's stderr, enough to see why it failed."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    text = text.strip()
    if not text:
        return "(no error output)"
    return text if len(text) <= _STDERR_TAIL_CHARS else "…" + text[-_STDERR_TAIL_CHARS:]
