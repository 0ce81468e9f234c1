"""The mixer's job views: one read per job, shared by its languages."""

import asyncio
from uuid import UUID

from libs.events.job_view import JobView
from libs.events.memory_store import MemoryEventStore
from services.mixer.submissions import SubmittedJobs
from tests.support.builders import new_job


class CountingReads(MemoryEventStore):
    """Counts the reads the cache makes."""

    def __init__(self) -> None:
        super().__init__()
        self.single: list[UUID] = []

    async def load_view(self, job_id: UUID) -> JobView | None:
        self.single.append(job_id)
        return await super().load_view(job_id)


async def test_a_job_is_read_once_for_all_its_languages() -> None:
    store = CountingReads()
    commits = [new_job(("fr", "de")) for _ in range(3)]
    await store.append(commits)
    jobs = SubmittedJobs(store)
    ids = [c.job_id for c in commits]
    await jobs.prime(ids)
    assert store.single == [], "priming reads nothing"
    views = await asyncio.gather(*(jobs.get(j) for j in ids + ids))
    assert [v.job_id for v in views if v is not None] == ids + ids
    assert store.single == ids


async def test_unknown_jobs_are_not_remembered() -> None:
    store = CountingReads()
    jobs = SubmittedJobs(store)
    commit = new_job()
    assert await jobs.get(commit.job_id) is None, "not there yet"
    await store.append([commit])
    view = await jobs.get(commit.job_id)
    assert view is not None and view.job_id == commit.job_id
    assert store.single == [commit.job_id, commit.job_id]
