"""Waiting for a command-line tool run as a child process, leaving no orphan behind."""

import asyncio


async def communicate_or_kill(
    process: asyncio.subprocess.Process, stdin: bytes | None = None
) -> tuple[bytes, bytes]:
    """`process.communicate(stdin)`: its stdout and stderr once it exits. Cancelling the
    caller does not stop a child, so a cancelled wait kills it and reaps it first."""
    try:
        return await process.communicate(stdin)
    except asyncio.CancelledError:
        process.kill()
        await asyncio.shield(process.wait())
        raise
