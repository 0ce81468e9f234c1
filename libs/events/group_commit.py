"""Group commit: concurrent callers' commits share one append transaction and one publish."""

import asyncio
from collections.abc import Sequence

import structlog

from libs.events.bus import Bus
from libs.events.commit import Commit
from libs.events.envelope import RecordedEvent
from libs.events.outage import is_outage
from libs.events.relay import publish_committed
from libs.events.store import EventStore

log = structlog.get_logger()
Result = list[RecordedEvent] | None


class GroupCommitter:
    """Appends and publishes commits from many concurrent callers in batches.

    While one batch is being written, the commits that arrive meanwhile wait and go in
    the next one, so under load a transaction carries many commits and at rest a commit
    goes alone at once (no timer, no added latency). One commit that cannot be appended
    fails only its own caller.
    """

    def __init__(self, store: EventStore, bus: Bus, max_batch: int = 64) -> None:
        self.store = store
        self.bus = bus
        self.max_batch = max_batch
        self._queue: list[tuple[Commit, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def commit(self, commit: Commit) -> Result:
        """Append `commit` and publish its events; None when its handled key was taken."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((commit, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        # Shielded: a caller that gives up must not cancel the batch others wait on.
        return await asyncio.shield(future)

    async def _write(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            try:
                results = await self._append([c for c, _ in batch])
                recorded = [e for r in results if isinstance(r, list) for e in r]
                await publish_committed(self.store, self.bus, recorded)
            except BaseException as exc:  # cancelled at shutdown: nobody may wait forever
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                raise
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    async def _append(self, commits: Sequence[Commit]) -> list[Result | BaseException]:
        try:
            return list(await self.store.append(commits))
        except Exception as exc:
            if len(commits) == 1 or is_outage(exc):
                return [exc] * len(commits)
            # One commit's error (a stale version, a race on a new stream) would fail the
            # whole transaction: retry them one by one so it fails only its own caller.
            log.info("group commit split after error", error=repr(exc), commits=len(commits))
            out: list[Result | BaseException] = []
            for c in commits:
                out.extend(await self._append([c]))
            return out
