"""Pre-checks of concurrent deliveries share one read; each caller gets its own answer."""

import asyncio
from collections.abc import Sequence
from uuid import UUID, uuid4

import pytest

from libs.events.commit import HandledKey
from libs.events.event_log import Precheck
from libs.events.precheck_batcher import PrecheckBatcher


class Source:
    """Knows some events and keys; counts reads; can be told to fail."""

    def __init__(self, known: set[UUID], handled: set[HandledKey]) -> None:
        self.known = known
        self.done = handled
        self.reads: list[int] = []
        self.fail: BaseException | None = None

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        self.reads.append(len(event_ids))
        await asyncio.sleep(0.01)
        if self.fail:
            raise self.fail
        return Precheck(
            committed=frozenset(set(event_ids) & self.known),
            handled=frozenset(set(keys) & self.done),
        )


async def test_concurrent_checks_share_reads_and_get_their_own_answers() -> None:
    ids = [uuid4() for _ in range(10)]
    done = HandledKey("translator", f"{ids[0]}:fr")
    source = Source(set(ids[:5]), {done})
    batcher = PrecheckBatcher(source)
    keys = [[HandledKey("translator", f"{i}:fr")] for i in ids]
    answers = await asyncio.gather(*(batcher.check(i, k) for i, k in zip(ids, keys, strict=True)))
    assert [known for known, _, _ in answers] == [True] * 5 + [False] * 5
    assert answers[0][2] == {done} and all(not h for _, _, h in answers[1:])
    assert len(source.reads) <= 2 and sum(source.reads) == 10, "one read for many checks"


async def test_a_failed_read_fails_each_waiting_caller_and_the_next_read_works() -> None:
    event = uuid4()
    source = Source({event}, set())
    source.fail = ConnectionRefusedError("down")
    batcher = PrecheckBatcher(source)
    results = await asyncio.gather(
        batcher.check(event, []), batcher.check(uuid4(), []), return_exceptions=True
    )
    assert all(isinstance(r, ConnectionRefusedError) for r in results)
    source.fail = None
    assert await batcher.check(event, []) == (True, False, set())


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    event = uuid4()
    batcher = PrecheckBatcher(Source({event}, set()))
    quitter = asyncio.create_task(batcher.check(event, []))
    stayer = asyncio.create_task(batcher.check(event, []))
    await asyncio.sleep(0)
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert await stayer == (True, False, set())
