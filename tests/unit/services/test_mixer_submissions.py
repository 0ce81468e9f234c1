"""The mixer's job views: one read per batch of jobs, one per job at most otherwise."""

from collections.abc import Sequence
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
        self.batched: list[list[UUID]] = []

    async def load_view(self, job_id: UUID) -> JobView | None:
        self.single.append(job_id)
        return await super().load_view(job_id)

    async def load_views(self, job_ids: Sequence[UUID]) -> dict[UUID, JobView]:
        self.batched.append(list(job_ids))
        return await super().load_views(job_ids)


async def test_primed_jobs_are_served_without_another_read() -> None:
    store = CountingReads()
    commits = [new_job(("fr", "de")) for _ in range(3)]
    await store.append(commits)
    jobs = SubmittedJobs(store)
    ids = [c.job_id for c in commits]
    await jobs.prime([*ids, ids[0]])
    await jobs.prime(ids)  # all known: no read at all
    views = [await jobs.get(j) for j in ids]
    assert [v.job_id for v in views if v is not None] == ids
    assert store.batched == [ids] and store.single == []


async def test_unknown_jobs_are_not_remembered() -> None:
    store = CountingReads()
    jobs = SubmittedJobs(store)
    commit = new_job()
    await jobs.prime([commit.job_id])
    assert await jobs.get(commit.job_id) is None, "not there yet"
    await store.append([commit])
    view = await jobs.get(commit.job_id)
    assert view is not None and view.job_id == commit.job_id
    assert store.single == [commit.job_id, commit.job_id]
