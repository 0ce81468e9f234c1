"""A cancelled wait for a child process kills and reaps the child."""

import asyncio

from libs.media.child_process import communicate_or_kill


async def test_a_cancelled_wait_leaves_no_child_running() -> None:
    process = await asyncio.create_subprocess_exec(
        "sleep", "30", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    waiting = asyncio.ensure_future(communicate_or_kill(process))
    await asyncio.sleep(0.1)
    waiting.cancel()
    try:
        await waiting
    except asyncio.CancelledError:
        pass
    assert waiting.cancelled()
    assert process.returncode is not None  # reaped: killed, not left running


async def test_the_output_comes_back_when_the_child_exits() -> None:
    process = await asyncio.create_subprocess_exec(
        "cat", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await communicate_or_kill(process, b"words")
    assert (out, process.returncode) == (b"words", 0)
