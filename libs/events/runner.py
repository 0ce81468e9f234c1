"""The stage runner: take only what free slots can work on; commit and ack each item as
soon as it is done; keep every fault with the message that caused it."""

import asyncio
import contextlib
import itertools
import time
from typing import Generic
from uuid import uuid4

import structlog

from libs.events.backoff import backoff_delay
from libs.events.bus import Bus, ConsumerSpec, Delivery, Subscription
from libs.events.catalogue import StageFailed
from libs.events.commit import Commit, HandledKey
from libs.events.handler_tries import HandlerTries
from libs.events.job_view import StreamError
from libs.events.outage_hold import Abandoned, OutageHold
from libs.events.output_commit import OutputCommitter
from libs.events.poison import settle_poison
from libs.events.precheck_batcher import PrecheckBatcher
from libs.events.relay import run_relay
from libs.events.runner_config import RunnerConfig
from libs.events.stage import P, PermanentError, Stage
from libs.events.stage_failure import failure_reason, item_language, stage_failure
from libs.events.store import EventStore
from libs.events.work import WorkItem
from libs.observability.metrics import (
    EVENTS_CONSUMED,
    HANDLE_SECONDS,
    HANDLER_ERRORS,
    IN_FLIGHT,
    REDELIVERIES,
)

__all__ = ["RunnerConfig", "StageRunner"]

log = structlog.get_logger()


class StageRunner(Generic[P]):
    """Runs one stage against a store and a bus until `stop` is set (SIGTERM drains)."""

    def __init__(
        self,
        stage: Stage[P],
        store: EventStore,
        bus: Bus,
        config: RunnerConfig | None = None,
    ) -> None:
        self.stage = stage
        self.store = store
        self.bus = bus
        self.config = config or stage.runner_defaults
        self.stop = asyncio.Event()
        self.spec = ConsumerSpec(
            name=stage.name,
            event_types=(stage.consumes.type,),
            max_deliver=self.config.max_deliver,
            ack_wait_s=self.config.ack_wait_s,
        )
        # Attempt tokens: random per process, then a counter (unique without a syscall each).
        self._token_prefix = uuid4().hex[:8]
        self._tokens = itertools.count()
        # Messages being worked on; one heartbeat loop keeps all of them.
        self._held: set[Delivery] = set()
        self._prechecks = PrecheckBatcher(store)
        self._tasks: set[asyncio.Task[None]] = set()
        self._freed = asyncio.Event()
        self._hold = OutageHold(stage.name, self.stop)
        self._outputs = OutputCommitter(
            stage.name, store, bus, self._hold, self.config.max_deliver, self._discard
        )
        name = stage.name
        self._handle_seconds = HANDLE_SECONDS.labels(name)
        self._in_flight = IN_FLIGHT.labels(name)
        self._handler_errors = HANDLER_ERRORS.labels(name)
        # True while the durable consumer is bound (what /readyz reports).
        self.bound = False

    @property
    def busy(self) -> int:
        """Messages this process is working on now."""
        return len(self._tasks)

    async def run(self) -> None:
        """Consume until `stop` is set, let the messages in hand finish, then return."""
        sub = await self.bus.subscribe(self.spec)
        exhausted = await self.bus.exhausted(self.spec)
        c = self.config
        self.bound = True
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._consume(sub))
                tg.create_task(self._heartbeats(sub))
                tg.create_task(self._consume_exhausted(exhausted))
                tg.create_task(
                    run_relay(self.store, self.bus, self.stop, c.relay_interval_s, c.relay_grace_s)
                )
        finally:
            self.bound = False
            for s in (sub, exhausted):
                with contextlib.suppress(Exception):
                    await s.close()

    # -- taking work ---------------------------------------------------------------------

    async def _consume(self, sub: Subscription) -> None:
        c = self.config
        while not self.stop.is_set():
            free = c.concurrency - self.busy
            if free <= 0:
                self._freed.clear()
                await self._wait(self._freed)
                continue
            if not self._hold.reachable.is_set():  # an outage: hold what we have, take nothing
                await self._wait(self._hold.reachable)
                continue
            try:
                # Never more than the free slots: what this process holds, it works on, and
                # the rest stays with the consumer for an idle replica.
                deliveries = await sub.fetch(free, c.fetch_timeout_s)
            except Exception as exc:  # bus unreachable: wait and try again
                log.warning("fetch failed", stage=self.stage.name, error=repr(exc))
                await self._wait(self.stop, 0.5)
                continue
            for d in deliveries:
                self._start(d)
        await self._drain()

    def _start(self, d: Delivery) -> None:
        task = asyncio.create_task(self.handle_delivery(d))
        self._tasks.add(task)
        self._in_flight.inc()
        task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._tasks.discard(task)
        self._in_flight.dec()
        self._freed.set()

    async def _drain(self) -> None:
        if self._tasks:
            log.info("draining", stage=self.stage.name, messages=len(self._tasks))
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _wait(self, event: asyncio.Event, timeout: float = 1.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)

    # -- one message -----------------------------------------------------------------------

    async def handle_delivery(self, d: Delivery) -> None:
        """Work on every unhandled item of one message, then ack it (or nak it for a retry)."""
        event = d.event
        EVENTS_CONSUMED.labels(self.stage.name, event.type).inc()
        with structlog.contextvars.bound_contextvars(
            stage=self.stage.name,
            job_id=str(event.job_id),
            event_id=str(event.event_id),
            event_type=event.type,
            attempt=d.attempt,
        ):
            try:
                await self._handle_delivery(d)
            except Abandoned:
                log.warning("left for redelivery: stopping while our infrastructure is unreachable")
            except Exception as exc:  # a fault of this message only: never the process's
                log.error("message failed in the runner", error=repr(exc), attempt=d.attempt)
                await self._settle(d, done=False)

    async def _handle_delivery(self, d: Delivery) -> None:
        if d.attempt > 1:
            REDELIVERIES.labels(self.stage.name).inc()
        self._held.add(d)
        try:
            opened = await self._open(d)
            if opened is None:
                return
            payload, todo = opened
            # Every item runs to its end, so nothing works on once the message is left.
            results = await asyncio.gather(
                *(self._item(d, payload, i, k) for i, k in todo), return_exceptions=True
            )
        finally:
            self._held.discard(d)
        for r in results:
            if isinstance(r, BaseException):
                raise r
        await self._settle(d, done=all(results))

    async def _open(self, d: Delivery) -> tuple[P, list[tuple[str, HandledKey]]] | None:
        """The payload and the items still to do, each with its handled key; None when the
        message can never be handled (it is then settled as poison)."""
        event = d.event
        payload = event.payload
        if not isinstance(payload, self.stage.consumes):
            await self._poison(d, "wrong_type", f"{event.type} is not {self.stage.consumes.type}")
            return None
        try:
            items = list(dict.fromkeys(self.stage.work_items(payload)))
        except Exception as exc:
            await self._poison(d, "bad_payload", repr(exc))
            return None
        keys = [HandledKey(self.stage.name, f"{event.event_id}:{item}") for item in items]
        # Is the event in the log (a message that is not, is not ours), and which items were
        # handled already (a redelivery must not redo paid work)?
        known, cancelled, done = await self._hold.call(
            lambda: self._prechecks.check(event.event_id, keys)
        )
        if not known:
            await self._poison(d, "not_in_log", "no committed event has this id")
            return None
        if cancelled and self.stage.skips_cancelled_jobs:
            log.info("job cancelled: work skipped", items=len(items))
            return payload, []
        return payload, [(i, k) for i, k in zip(items, keys, strict=True) if k not in done]

    def _work(self, d: Delivery, item: str) -> WorkItem:
        return WorkItem(d.event, item, d.attempt, f"{self._token_prefix}{next(self._tokens):08x}")

    async def _item(self, d: Delivery, payload: P, item: str, key: HandledKey) -> bool:
        """One item: handle (tried again in place through a vendor's bad minute and through
        our own outages), commit. True when settled (done, or failed for good)."""
        c = self.config
        tries = HandlerTries(
            self.stage, payload, lambda: self._work(d, item), self._discard, self._hold, c
        )
        failure: str | None = None
        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(
            item=item, language=item_language(self.stage, payload, item)
        ):
            try:
                payloads = await tries.run()
            except Abandoned:
                raise
            except PermanentError as exc:
                failure = failure_reason(exc)
            except Exception as exc:
                failure = failure_reason(exc)
                if d.attempt < c.max_deliver:
                    self._handler_errors.inc()
                    log.warning(
                        "handler failed; will retry",
                        error=failure,
                        duration_s=round(time.perf_counter() - started, 3),
                    )
                    await self._discard(tries.work)
                    return False
            finally:
                self._handle_seconds.observe(time.perf_counter() - started)
            work = tries.work
            if failure is not None:
                await self._discard(work)
                payloads = [self._failure(payload, item, failure, d.attempt)]
            settled = await self._outputs.item(
                d,
                work,
                key,
                payloads,
                failure,
                lambda reason: self._failure(payload, item, reason, d.attempt),
            )
            log.info(
                "item handled" if failure is None else "item failed",
                duration_s=round(time.perf_counter() - started, 3),
                settled=settled,
                **({} if failure is None else {"error": failure}),
            )
            return settled

    def _failure(self, payload: P, item: str, reason: str, attempts: int) -> StageFailed:
        return stage_failure(self.stage, payload, item, reason, attempts)

    async def _discard(self, work: WorkItem) -> None:
        try:
            await self.stage.discard(work)
        except Exception as exc:  # leftovers under an attempt's own keys harm nobody
            log.warning("discarding an attempt's output failed", error=repr(exc))

    async def _settle(self, d: Delivery, done: bool) -> None:
        c = self.config
        try:
            if done:
                await d.ack()
            else:
                await d.nak(backoff_delay(d.attempt, c.backoff_base_s, c.backoff_max_s))
        except Exception as exc:  # the ack wait will redeliver; handled rows dedupe
            log.warning("settle failed", error=repr(exc))

    async def _poison(self, d: Delivery, kind: str, detail: str) -> None:
        await settle_poison(d, self.stage.name, kind, detail, type=d.event.type)

    async def _heartbeats(self, sub: Subscription) -> None:
        """In-progress acks for every message being worked on (and every one the bus adapter
        took but has not handed out), every third of the ack wait, so long work keeps its
        message; it runs until the last message in hand is done."""
        beat = self.config.ack_wait_s / 3
        due = time.monotonic() + beat
        while not self.stop.is_set() or self._tasks:
            await asyncio.sleep(min(beat, 0.5))
            if time.monotonic() < due:
                continue
            due = time.monotonic() + beat
            for d in list(self._held):
                with contextlib.suppress(Exception):
                    await d.in_progress()
            with contextlib.suppress(Exception):
                await sub.keep_alive()

    # -- messages that ran out of deliveries -----------------------------------------------

    async def _consume_exhausted(self, sub: Subscription) -> None:
        while not self.stop.is_set():
            try:
                deliveries = await sub.fetch(self.config.concurrency, self.config.fetch_timeout_s)
            except Exception as exc:
                log.warning("fetch of exhausted messages failed", error=repr(exc))
                await self._wait(self.stop, 0.5)
                continue
            for d in deliveries:
                try:
                    await self.give_up(d)
                except Abandoned:
                    continue  # unsettled: back after its ack wait, to this or another replica
                except Exception as exc:  # back after the ack wait; never the process's end
                    log.error("exhausted message failed in the runner", error=repr(exc))
                    await self._settle(d, done=False)

    async def give_up(self, d: Delivery) -> None:
        """A message that ran out of deliveries with no worker finishing it (each crashed or
        outran its ack wait): a failure event for each item not yet handled."""
        opened = await self._open(d)
        if opened is None:
            return
        payload, todo = opened
        event = d.event
        reason = (
            f"gave up after {d.attempt} deliveries: each worker crashed or outran its ack wait"
            f" of {self.config.ack_wait_s:g} s"
        )
        for item, key in todo:
            failed = self._failure(payload, item, reason, max(1, d.attempt))
            commit = Commit(event.job_id, [event.caused(failed)], handled=key)
            try:
                await self._outputs.commit(commit)
            except StreamError as exc:
                log.error("failure event refused by its stream", error=repr(exc))
        await d.ack()
