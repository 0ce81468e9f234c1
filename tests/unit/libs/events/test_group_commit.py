"""Group commit: concurrent commits share appends; one bad commit fails only its caller."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import pytest

from libs.events.commit import Commit, ConcurrencyError, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.group_commit import GroupCommitter
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from tests.support.builders import new_job


class CountingStore(MemoryEventStore):
    """The in-memory store, counting append calls and their sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        self.batches.append(len(commits))
        await asyncio.sleep(0.01)  # a transaction takes time: later callers queue behind it
        return await super().append(commits)


async def test_concurrent_commits_share_appends_and_are_all_published() -> None:
    store, bus = CountingStore(), MemoryBus()
    committer = GroupCommitter(store, bus)
    jobs = [new_job() for _ in range(10)]
    first = asyncio.create_task(committer.commit(jobs[0]))
    await asyncio.sleep(0.001)  # the first is being written: the others queue behind it
    results = await asyncio.gather(first, *(committer.commit(j) for j in jobs[1:]))
    assert [r[0].job_id for r in results if r] == [j.job_id for j in jobs]
    assert store.batches == [1, 9], "the first goes alone, the rest share the next append"
    assert sorted(e.job_id for e in bus._log) == sorted(j.job_id for j in jobs)
    async with store.outbox.claim(older_than_s=0) as left:
        assert left == [], "published and cleared"


async def test_a_bad_commit_fails_only_its_caller() -> None:
    store, bus = CountingStore(), MemoryBus()
    committer = GroupCommitter(store, bus)
    first = new_job()
    await committer.commit(first)
    stale = replace(new_job(), job_id=first.job_id)  # version 0 expected; the job is at 1
    stale = replace(stale, events=[replace(e, job_id=first.job_id) for e in stale.events])
    good = [new_job() for _ in range(3)]
    outcomes = await asyncio.gather(
        *(committer.commit(c) for c in [good[0], stale, good[1], good[2]]),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], ConcurrencyError)
    assert all(isinstance(o, list) and o for i, o in enumerate(outcomes) if i != 1)
    for c in good:
        assert len(await store.read_stream(c.job_id)) == 1


async def test_a_taken_handled_key_returns_none() -> None:
    store, bus = CountingStore(), MemoryBus()
    committer = GroupCommitter(store, bus)
    key = HandledKey("gateway", "user:idem-1")
    job = replace(new_job(), handled=key)
    again = replace(job)
    first, second = await asyncio.gather(committer.commit(job), committer.commit(again))
    assert first and second is None
    with pytest.raises(ConcurrencyError):
        await committer.commit(replace(job, handled=None))
