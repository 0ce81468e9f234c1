"""Committing one work item's outcome (its output, or its failure event) with the handled key
that makes a redelivery skip it; held through outages of the store and the bus."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from libs.events.bus import Bus, Delivery
from libs.events.catalogue import Payload
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.group_commit import GroupCommitter
from libs.events.job_view import StreamError
from libs.events.outage import is_outage
from libs.events.outage_hold import Abandoned, OutageHold
from libs.events.stage_failure import failure_reason
from libs.events.store import EventStore
from libs.events.work import WorkItem
from libs.observability.metrics import APPEND_ERRORS, EVENTS_HANDLED

log = structlog.get_logger()


class OutputCommitter:
    """Appends and publishes items' outcomes for one stage (in group commits)."""

    def __init__(
        self,
        stage: str,
        store: EventStore,
        bus: Bus,
        hold: OutageHold,
        max_deliver: int,
        discard: Callable[[WorkItem], Awaitable[None]],
    ) -> None:
        self._committer = GroupCommitter(store, bus)
        self._hold = hold
        self._max_deliver = max_deliver
        self._discard = discard
        self._append_errors = APPEND_ERRORS.labels(stage)
        self._handled_ok = EVENTS_HANDLED.labels(stage, "ok")
        self._handled_failed = EVENTS_HANDLED.labels(stage, "failed")

    async def item(
        self,
        d: Delivery,
        work: WorkItem,
        key: HandledKey,
        payloads: Sequence[Payload],
        failure: str | None,
        failed: Callable[[str], Payload],
    ) -> bool:
        """Commit `payloads` (the output, or with `failure` its failure event); True when
        the item is settled. `failed(reason)` makes the failure event of a refused output."""
        event = d.event
        commit = Commit(event.job_id, [event.caused(p) for p in payloads], handled=key)
        tries = _CommitTries()
        try:
            result = await self.commit(commit, tries)
        except Abandoned:
            raise
        except Exception as exc:  # not an outage: the log refuses this output as it is
            self._append_errors.inc()
            if failure is None and not tries.uncertain:  # a failure's attempt went already
                await self._discard(work)
            log.error("append refused", error=repr(exc))
            if failure is not None:
                # Even the failure event was refused: never ack what the log does not hold;
                # the message runs out of deliveries and `give_up` tries once more.
                return False
            # A stream that refuses the output (no such task) will refuse it on every try.
            if d.attempt < self._max_deliver and not isinstance(exc, StreamError):
                return False
            reason = f"the log refused the output: {failure_reason(exc)}"
            return await self.item(d, work, key, [failed(reason)], reason, failed)
        # None: the item's output is in the log already. Another worker's, unless an earlier
        # try of ours lost its connection with the outcome unknown and in fact committed:
        # then the blobs are named by that event, and stay.
        if result is None and not tries.uncertain:
            await self._discard(work)
        (self._handled_ok if failure is None else self._handled_failed).inc()
        return True

    async def commit(
        self, commit: Commit, tries: "_CommitTries | None" = None
    ) -> list[RecordedEvent] | None:
        """Append and publish `commit`, retried through outages; None if its key was taken."""
        seen = tries or _CommitTries()

        async def once() -> list[RecordedEvent] | None:
            try:
                return await self._committer.commit(commit)
            except Exception as exc:
                # A connection lost mid-commit leaves the outcome unknown.
                seen.uncertain = seen.uncertain or is_outage(exc)
                raise

        return await self._hold.call(once)


@dataclass(slots=True)
class _CommitTries:
    """What the tries of one commit have shown."""

    # A try failed with the server unreachable: it may have committed nonetheless.
    uncertain: bool = False
