"""The stage runner: consume, handle, append idempotently, publish, then ack."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import structlog

from libs.events.backoff import backoff_delay
from libs.events.bus import Bus, ConsumerSpec, Delivery, Subscription
from libs.events.catalogue import Payload, StageFailed
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.job_view import StreamError
from libs.events.relay import publish_committed, run_relay
from libs.events.stage import PermanentError, Stage
from libs.events.store import EventStore
from libs.observability.metrics import (
    APPEND_ERRORS,
    BATCH_SIZE,
    EVENTS_HANDLED,
    HANDLE_SECONDS,
)

log = structlog.get_logger()
Processor = Callable[[Sequence[Delivery]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RunnerConfig:
    """Delivery and concurrency limits of one stage process."""

    max_deliver: int = 5
    ack_wait_s: float = 30.0
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    fetch_batch: int = 64
    fetch_timeout_s: float = 1.0
    concurrency: int = 8
    handler_timeout_s: float = 900.0
    relay_interval_s: float = 1.0
    relay_grace_s: float = 2.0
    # First deliveries of events younger than this skip the handled pre-check; keep it
    # below the bus's duplicate window, inside which a republish is dropped by the bus.
    fresh_s: float = 60.0


@dataclass(slots=True)
class _Item:
    delivery: Delivery
    item: str
    key: HandledKey
    payloads: Sequence[Payload] | None = None
    error: BaseException | None = None
    settled: bool = False


class StageRunner:
    """Runs one stage against a store and a bus until asked to stop (SIGTERM drains)."""

    def __init__(
        self, stage: Stage, store: EventStore, bus: Bus, config: RunnerConfig | None = None
    ) -> None:
        self.stage = stage
        self.store = store
        self.bus = bus
        self.config = config or RunnerConfig()
        self.stop = asyncio.Event()
        self._slots = asyncio.Semaphore(self.config.concurrency)
        # Label children resolved once: a lookup per item is measurable at thousands/s.
        self._handle_seconds = HANDLE_SECONDS.labels(stage.name)
        self._handled_ok = EVENTS_HANDLED.labels(stage.name, "ok")
        self._handled_failed = EVENTS_HANDLED.labels(stage.name, "failed")
        self.spec = ConsumerSpec(
            name=stage.name,
            event_types=stage.consumes,
            max_deliver=self.config.max_deliver,
            ack_wait_s=self.config.ack_wait_s,
        )

    async def run(self) -> None:
        """Consume until `stop` is set, then finish the batch in hand and return."""
        sub = await self.bus.subscribe(self.spec)
        exhausted = await self.bus.exhausted(self.spec)
        c = self.config
        async with asyncio.TaskGroup() as tg:
            tg.create_task(self._loop(sub, self.process))
            tg.create_task(self._loop(exhausted, self.process_exhausted))
            tg.create_task(
                run_relay(self.store, self.bus, self.stop, c.relay_interval_s, c.relay_grace_s)
            )
        await sub.close()
        await exhausted.close()

    async def _loop(self, sub: Subscription, process: Processor) -> None:
        while not self.stop.is_set():
            try:
                deliveries = await sub.fetch(self.config.fetch_batch, self.config.fetch_timeout_s)
            except Exception as exc:  # bus unreachable: wait and try again
                log.warning("fetch failed", stage=self.stage.name, error=repr(exc))
                await asyncio.sleep(0.5)
                continue
            if deliveries:
                BATCH_SIZE.labels(self.stage.name).observe(len(deliveries))
                await process(deliveries)

    async def process(self, deliveries: Sequence[Delivery]) -> None:
        """Handle one fetched batch: one transaction, one round of publishes, then acks."""
        items = self._items(deliveries)
        await self._skip_handled(items)
        async with self._heartbeats(deliveries):
            await self._prepare(items)
            await asyncio.gather(*(self._handle(i) for i in items if not i.settled))
        commits: list[tuple[_Item, Commit]] = []
        for i in items:
            if i.settled:
                continue
            if i.payloads is not None:
                commits.append((i, self._commit(i, i.payloads)))
            elif self._final(i):
                commits.append((i, self._commit(i, [self._failure(i)])))
        await self._append(commits)
        await self._settle(deliveries, items)

    async def process_exhausted(self, deliveries: Sequence[Delivery]) -> None:
        """Turn messages that ran out of deliveries (crash, timeout) into failure events."""
        items = self._items(deliveries)
        await self._skip_handled(items)
        reason = "gave up: the handler crashed or outran its ack wait on every delivery"
        commits = [(i, self._commit(i, [self._failure(i, reason)])) for i in items if not i.settled]
        await self._append(commits)
        for d in deliveries:
            if all(i.settled for i in items if i.delivery is d):
                await d.ack()

    def _items(self, deliveries: Sequence[Delivery]) -> list[_Item]:
        return [
            _Item(d, item, HandledKey(self.stage.name, f"{d.event.event_id}:{item}"))
            for d in deliveries
            for item in self.stage.work_items(d.event)
        ]

    async def _skip_handled(self, items: list[_Item]) -> None:
        # A pre-check so a duplicate delivery does not redo the work and rewrite its blobs;
        # the guarantee itself is the handled row written with the output. Only a message
        # that could be a duplicate is looked up: a redelivery, or an event older than the
        # bus's dedup window (a relay's late republish, a replayed consumer). A fresh first
        # delivery cannot have been handled yet, and skipping it saves a round trip a batch.
        now = utcnow()
        suspect = [
            i
            for i in items
            if i.delivery.attempt > 1
            or (now - i.delivery.event.recorded_at).total_seconds() > self.config.fresh_s
        ]
        if not suspect:
            return
        try:
            done = await self.store.handled([i.key for i in suspect])
        except Exception as exc:
            log.warning("handled pre-check failed", error=repr(exc))
            return
        for i in suspect:
            i.settled = i.key in done

    async def _prepare(self, items: list[_Item]) -> None:
        events = list({id(i.delivery): i.delivery.event for i in items if not i.settled}.values())
        if not events:
            return
        try:
            await self.stage.prepare(events)
        except Exception as exc:  # the handlers then fetch what they need one by one
            log.warning("batch preparation failed", stage=self.stage.name, error=repr(exc))

    async def _handle(self, i: _Item) -> None:
        event = i.delivery.event
        with structlog.contextvars.bound_contextvars(
            job_id=str(event.job_id), event_id=str(event.event_id), item=i.item
        ):
            async with self._slots:
                started = time.perf_counter()
                try:
                    # Heartbeats keep a long handler's message; this bound keeps a hung one
                    # (a vendor that never answers) from keeping it forever.
                    async with asyncio.timeout(self.config.handler_timeout_s):
                        i.payloads = await self.stage.handle(event, i.item)
                except Exception as exc:
                    i.error = exc
                    log.warning(
                        "handler failed",
                        stage=self.stage.name,
                        error=repr(exc),
                        attempt=i.delivery.attempt,
                    )
                finally:
                    self._handle_seconds.observe(time.perf_counter() - started)

    def _final(self, i: _Item) -> bool:
        return isinstance(i.error, PermanentError) or i.delivery.attempt >= self.config.max_deliver

    def _commit(self, i: _Item, payloads: Sequence[Payload]) -> Commit:
        event = i.delivery.event
        return Commit(event.job_id, [event.caused(p) for p in payloads], handled=i.key)

    def _failure(self, i: _Item, reason: str | None = None) -> StageFailed:
        return StageFailed(
            stage=self.stage.name,
            language=self.stage.language_of(i.delivery.event, i.item),
            reason=reason or f"{type(i.error).__name__}: {i.error}",
            attempts=i.delivery.attempt,
        )

    async def _append(self, commits: list[tuple[_Item, Commit]]) -> None:
        if not commits:
            return
        try:
            results = await self.store.append([c for _, c in commits])
        except Exception as exc:
            APPEND_ERRORS.labels(self.stage.name).inc()
            log.warning(
                "append failed", stage=self.stage.name, error=repr(exc), commits=len(commits)
            )
            # One bad commit (a bug, a conflict) must not hold back the rest of the batch.
            if len(commits) > 1:
                for pair in commits:
                    await self._append([pair])
            elif isinstance(exc, StreamError):
                # The job's stream can never take this (e.g. no such job): retrying cannot
                # help, so the message is settled rather than redelivered forever.
                log.error("event dropped: its stream refuses it", error=repr(exc))
                commits[0][0].settled = True
            return
        recorded: list[RecordedEvent] = []
        for (i, _), result in zip(commits, results, strict=True):
            i.settled = True
            (self._handled_ok if i.payloads is not None else self._handled_failed).inc()
            recorded.extend(result or ())
        await publish_committed(self.store, self.bus, recorded)

    async def _settle(self, deliveries: Sequence[Delivery], items: list[_Item]) -> None:
        c = self.config
        for d in deliveries:
            try:
                if all(i.settled for i in items if i.delivery is d):
                    await d.ack()
                else:
                    await d.nak(backoff_delay(d.attempt, c.backoff_base_s, c.backoff_max_s))
            except Exception as exc:  # the ack wait will redeliver; handled rows dedupe
                log.warning("settle failed", error=repr(exc))

    @contextlib.asynccontextmanager
    async def _heartbeats(self, deliveries: Sequence[Delivery]) -> AsyncIterator[None]:
        async def beat() -> None:
            while True:
                await asyncio.sleep(self.config.ack_wait_s / 3)
                for d in deliveries:
                    with contextlib.suppress(Exception):
                        await d.in_progress()

        task = asyncio.create_task(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
