"""Job bodies already read as their callers, served again until the job's log grows.

Clients poll `GET /v1/jobs/{id}` many times between two events of a job. A body is kept per
caller and job, only as row-level security gave it to that caller, and is forgotten when the
bus says an event of the job was published, when the bus may have missed saying so (away,
reconnected), and after `max_age_s` whatever it says: the bound on how stale a body can be
when a writer commits and dies before publishing (the relay publishes for it later).
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from libs.events.bus import JobChanges


@dataclass(slots=True)
class _Job:
    """One job's bodies by caller, and how many times word of a change came for it."""

    generation: int = 0
    bodies: dict[UUID, tuple[bytes, float, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ticket:
    """Taken before a read: the body read may be kept only if nothing changed meanwhile."""

    job: UUID
    slot: _Job | None
    generation: int
    epoch: int | None
    started: float


class ViewCache:
    """At most `max_jobs` jobs and `max_bytes` of bodies, the least recently read pushed out
    first; each body served for `max_age_s` at most (0: never)."""

    def __init__(
        self,
        max_age_s: float,
        max_jobs: int = 4096,
        max_bytes: int = 32 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age_s = max_age_s
        self.max_jobs = max_jobs
        self.max_bytes = max_bytes
        self._bytes = 0
        self._clock = clock
        self._jobs: OrderedDict[UUID, _Job] = OrderedDict()
        # Nothing is kept until word of changes comes in: without it, no body is safe to keep.
        self._changes: JobChanges | None = None

    def listen(self, changes: JobChanges) -> None:
        """Take word of changes from `changes` (`changed` must be what it calls)."""
        self._changes = changes

    def _epoch(self) -> int | None:
        return self._changes.epoch() if self._changes and self.max_age_s > 0 else None

    def get(self, caller: UUID, job: UUID) -> bytes | None:
        """The body kept for `caller`'s read of `job`, if it is still the job's latest."""
        slot = self._jobs.get(job)
        kept = slot.bodies.get(caller) if slot else None
        if kept is None:
            return None
        body, started, epoch = kept
        if epoch != self._epoch() or self._clock() - started >= self.max_age_s:
            return None
        self._jobs.move_to_end(job)
        return body

    def ticket(self, job: UUID) -> Ticket:
        """Take before reading `job` from the database; give to `keep` with what was read."""
        epoch = self._epoch()
        slot = None
        if epoch is not None:
            slot = self._jobs.get(job)
            if slot is None:
                slot = self._jobs[job] = _Job()
                self._push_out()
            else:
                self._jobs.move_to_end(job)
        return Ticket(job, slot, slot.generation if slot else 0, epoch, self._clock())

    def keep(self, ticket: Ticket, caller: UUID, body: bytes) -> None:
        """Keep `body` unless word of a change (or of missed word) came since `ticket`."""
        slot = ticket.slot
        if (
            slot is None
            or ticket.epoch is None
            or self._jobs.get(ticket.job) is not slot  # pushed out meanwhile: no word kept
            or slot.generation != ticket.generation
            or self._epoch() != ticket.epoch
        ):
            return
        self._forget(slot, caller)
        slot.bodies[caller] = (body, ticket.started, ticket.epoch)
        self._bytes += len(body)
        self._push_out()

    def changed(self, job: UUID) -> None:
        """An event of `job` was published: forget its bodies, and any read in flight."""
        slot = self._jobs.get(job)
        if slot is not None:
            slot.generation += 1
            for caller in list(slot.bodies):
                self._forget(slot, caller)

    def _forget(self, slot: _Job, caller: UUID) -> None:
        kept = slot.bodies.pop(caller, None)
        if kept is not None:
            self._bytes -= len(kept[0])

    def _push_out(self) -> None:
        while len(self._jobs) > self.max_jobs or self._bytes > self.max_bytes:
            _, slot = self._jobs.popitem(last=False)
            for caller in list(slot.bodies):
                self._forget(slot, caller)
