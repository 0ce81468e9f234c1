"""Group commit: concurrent callers' commits share one append transaction and one publish."""

from collections.abc import Sequence

import structlog

from libs.events.bus import Bus
from libs.events.coalescer import Coalescer
from libs.events.commit import Commit
from libs.events.envelope import RecordedEvent
from libs.events.outage import is_outage
from libs.events.relay import publish_committed
from libs.events.store import EventStore

log = structlog.get_logger()
Result = list[RecordedEvent] | None


class GroupCommitter:
    """Appends and publishes commits from many concurrent callers in batches (one
    transaction per batch); one commit that cannot be appended fails only its own caller."""

    def __init__(self, store: EventStore, bus: Bus, max_batch: int = 64) -> None:
        self.store = store
        self.bus = bus
        self._batches: Coalescer[Commit, Result] = Coalescer(self._write, max_batch)

    async def commit(self, commit: Commit) -> Result:
        """Append `commit` and publish its events; None when its handled key was taken."""
        return await self._batches.submit(commit)

    async def _write(self, commits: list[Commit]) -> list[Result | BaseException]:
        results = await self._append(commits)
        recorded = [e for r in results if isinstance(r, list) for e in r]
        await publish_committed(self.store, self.bus, recorded)
        return results

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
