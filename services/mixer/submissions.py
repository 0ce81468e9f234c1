"""The jobs the mixer works for, loaded once per job rather than once per language."""

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from uuid import UUID

from libs.events.job_read_model import JobReadModel
from libs.events.job_view import JobView


class SubmittedJobs:
    """Job views by id, shared by a job's languages (including concurrent ones).

    The mixer reads only what `job.submitted` fixed (stems, source language), which never
    changes, so a view loaded once serves every language of its job.
    """

    def __init__(self, store: JobReadModel, size: int = 1024) -> None:
        self.store = store
        self.size = size
        self._loads: OrderedDict[UUID, asyncio.Future[JobView | None]] = OrderedDict()

    async def prime(self, job_ids: Iterable[UUID]) -> None:
        """Nothing to do ahead of time: `get` loads each job once, on its first use."""

    async def get(self, job_id: UUID) -> JobView | None:
        """The job's view, or None when the job is unknown (which is not remembered)."""
        load = self._loads.get(job_id)
        if load is None:
            load = asyncio.ensure_future(self.store.load_view(job_id))
            self._remember(job_id, load)
        else:
            self._loads.move_to_end(job_id)
        try:
            view = await asyncio.shield(load)
        except BaseException:
            self._forget(job_id, load)
            raise
        if view is None:
            self._forget(job_id, load)
        return view

    def _remember(self, job_id: UUID, load: "asyncio.Future[JobView | None]") -> None:
        self._loads[job_id] = load
        while len(self._loads) > self.size:
            self._loads.popitem(last=False)

    def _forget(self, job_id: UUID, load: "asyncio.Future[JobView | None]") -> None:
        if self._loads.get(job_id) is load:
            del self._loads[job_id]
