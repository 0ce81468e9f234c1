"""The bus on NATS JetStream: one file-backed stream, durable pull consumers."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nats
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServiceUnavailableError

from libs.events.advisory import parse_advisory
from libs.events.bus import Bus, ConsumerSpec, Delivery, Subscription
from libs.events.envelope import RecordedEvent
from libs.events.poison import settle_poison
from libs.events.upcasting import NewerSchemaVersion
from libs.events.wire import decode, encode, subject_for
from libs.observability.metrics import POISON_MESSAGES

ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
# How long a message of a newer schema version waits before it is offered again.
NEWER_VERSION_RETRY_S = 60.0
log = structlog.get_logger()
Recreate = Callable[[], Awaitable[None]]


class JetStreamDelivery:
    """A JetStream message carrying one event."""

    def __init__(self, msg: Msg, event: RecordedEvent) -> None:
        self._msg = msg
        self._event = event

    @property
    def event(self) -> RecordedEvent:
        return self._event

    @property
    def attempt(self) -> int:
        return int(self._msg.metadata.num_delivered)

    async def ack(self) -> None:
        await self._msg.ack()

    async def nak(self, delay: float) -> None:
        await self._msg.nak(delay=delay)

    async def in_progress(self) -> None:
        await self._msg.in_progress()

    async def term(self) -> None:
        await self._msg.term()


class JetStreamSubscription:
    """A pull subscription bound to a durable consumer."""

    def __init__(
        self,
        sub: JetStreamContext.PullSubscription,
        consumer: str,
        prefix: str,
        recreate: Recreate | None = None,
    ):
        self._sub = sub
        self._consumer = consumer
        self._prefix = prefix
        self._recreate = recreate
        # A pull request can deliver after its fetch returned, and nats-py hands such late
        # messages to the next fetch whatever its batch: what exceeds the batch waits here
        # (kept alive with in-progress acks) so the caller never holds more than it asked.
        self._overflow: list[Msg] = []

    async def fetch(self, batch: int, timeout: float) -> Sequence[Delivery]:
        msgs = self._overflow[:batch]
        del self._overflow[:batch]
        if len(msgs) < batch:
            try:
                msgs += await self._sub.fetch(batch - len(msgs), timeout=timeout)
            except (NatsTimeout, TimeoutError):
                pass
            except ServiceUnavailableError:
                await _recover_consumer(self._recreate, self._consumer)
        if len(msgs) > batch:
            self._overflow.extend(msgs[batch:])
            msgs = msgs[:batch]
            await self.keep_alive()
        out: list[Delivery] = []
        for m in msgs:
            event = await _decode_or_terminate(m, m.data, self._consumer)
            if event is None:
                continue
            if m.subject != subject_for(self._prefix, event.type):
                await _terminate(m, self._consumer, "subject_mismatch", f"carries {event.type}")
                continue
            out.append(JetStreamDelivery(m, event))
        return out

    async def keep_alive(self) -> None:
        for m in self._overflow:
            with contextlib.suppress(Exception):
                await m.in_progress()

    async def close(self) -> None:
        # Messages taken but never handed out go back at once, not after their ack wait.
        for m in self._overflow:
            with contextlib.suppress(Exception):
                await m.nak()
        self._overflow.clear()
        await self._sub.unsubscribe()


class ExhaustedSubscription:
    """Reads MAX_DELIVERIES advisories (kept in a stream) and loads the message each names."""

    def __init__(
        self,
        sub: JetStreamContext.PullSubscription,
        js: JetStreamContext,
        stream: str,
        consumer: str,
        max_deliver: int,
        recreate: Recreate | None = None,
    ):
        self._sub = sub
        self._js = js
        self._stream = stream
        self._consumer = consumer
        self._max_deliver = max_deliver
        self._recreate = recreate

    async def fetch(self, batch: int, timeout: float) -> Sequence[Delivery]:
        try:
            msgs = await self._sub.fetch(batch, timeout=timeout)
        except (NatsTimeout, TimeoutError):
            return []
        except ServiceUnavailableError:
            await _recover_consumer(self._recreate, f"{self._consumer}_exhausted")
            return []
        out: list[Delivery] = []
        for m in msgs:
            try:
                delivery = await self._load(m)
            except Exception as exc:  # this one only: it comes back after its ack wait
                log.warning("loading an exhausted message failed", error=repr(exc))
                continue
            if delivery is not None:
                out.append(delivery)
        return out

    async def _load(self, m: Msg) -> Delivery | None:
        """The exhausted message an advisory names; a malformed or foreign advisory, or one
        naming a message that is gone, is settled here so it cannot stall the consumer."""
        advisory = parse_advisory(m.data)
        if advisory is None:
            await _terminate(m, self._consumer, "bad_advisory", "not a max-deliveries advisory")
            return None
        if advisory.stream != self._stream or advisory.consumer != self._consumer:
            await _terminate(m, self._consumer, "foreign_advisory", "names another consumer")
            return None
        if advisory.deliveries < self._max_deliver:
            # The server sends one only when deliveries ran out: this one is forged.
            await _terminate(m, self._consumer, "foreign_advisory", "deliveries not exhausted")
            return None
        try:
            raw = await self._js.get_msg(self._stream, advisory.stream_seq)
        except NotFoundError:
            await m.ack()  # the message is gone (stream purged): nothing left to fail
            return None
        event = await _decode_or_terminate(m, raw.data or b"", self._consumer)
        if event is None:
            return None
        return _AdvisoryDelivery(m, event, advisory.deliveries)

    async def keep_alive(self) -> None:
        return None  # advisories are loaded one batch at a time and handled at once

    async def close(self) -> None:
        await self._sub.unsubscribe()


class _AdvisoryDelivery(JetStreamDelivery):
    def __init__(self, msg: Msg, event: RecordedEvent, deliveries: int) -> None:
        super().__init__(msg, event)
        self._deliveries = deliveries

    @property
    def attempt(self) -> int:
        return self._deliveries


class JetStreamBus(Bus):
    """Events on subjects `<prefix>.<type>` of one stream; `Nats-Msg-Id` is the event id."""

    def __init__(
        self,
        nc: Client,
        stream: str,
        prefix: str,
        duplicate_window_s: float = 120.0,
        replicas: int = 1,
    ) -> None:
        self.nc = nc
        self.js = nc.jetstream(publish_async_max_pending=4000)
        self.stream = stream
        self.prefix = prefix
        self.duplicate_window_s = duplicate_window_s
        # Copies of the stream and of every consumer's state: 3 survives one lost server.
        self.replicas = replicas

    @classmethod
    async def connect(
        cls, url: str | Sequence[str], stream: str, prefix: str, **kw: Any
    ) -> "JetStreamBus":
        """Connect (reconnecting forever on loss) and return the bus; `url` may be one
        server, a list of a cluster's servers, or such a list comma-separated."""
        servers = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
        nc = await nats.connect(
            servers=[u for u in servers if u],
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=5,
        )
        return cls(nc, stream, prefix, **kw)

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()

    async def provision(self) -> None:
        await _ensure_stream(
            self.js,
            StreamConfig(
                name=self.stream,
                subjects=[f"{self.prefix}.>"],
                storage=StorageType.FILE,
                duplicate_window=self.duplicate_window_s,
                num_replicas=self.replicas,
            ),
        )
        # Advisories are fire-and-forget core messages; keeping them in a stream means a
        # stage that was down when one was sent still turns it into a failure event.
        await _ensure_stream(
            self.js,
            StreamConfig(
                name=f"{self.stream}_ADVISORIES",
                subjects=[f"{ADVISORY}.{self.stream}.*"],
                storage=StorageType.FILE,
                max_age=7 * 24 * 3600,
                num_replicas=self.replicas,
            ),
        )

    async def publish(self, events: Sequence[RecordedEvent]) -> None:
        # Concurrent request-style publishes, each awaiting its PubAck. (nats-py's
        # `publish_async` keeps a slot for a publish that failed while reconnecting, so a
        # long outage would use up its slots and hang every later publish.)
        await asyncio.gather(
            *(
                self.js.publish(
                    subject_for(self.prefix, e.type),
                    encode(e),
                    timeout=10,
                    headers={"Nats-Msg-Id": str(e.event_id)},
                )
                for e in events
            )
        )

    async def publish_in_order(self, events: Sequence[RecordedEvent]) -> None:
        """Publish `events` in their order (one connection keeps it), then await every
        PubAck; for `republish`, where a stream is rebuilt from the log."""
        acks = [
            await self.js.publish_async(
                subject_for(self.prefix, e.type),
                encode(e),
                headers={"Nats-Msg-Id": str(e.event_id)},
            )
            for e in events
        ]
        await asyncio.gather(*acks)

    async def stream_exists(self) -> bool:
        """Whether the events' stream is there (it is lost with a NATS cluster's storage)."""
        try:
            await self.js.stream_info(self.stream)
        except NotFoundError:
            return False
        return True

    async def subscribe(self, spec: ConsumerSpec) -> Subscription:
        subjects = [subject_for(self.prefix, t) for t in spec.event_types]
        config = ConsumerConfig(
            durable_name=spec.name,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=spec.ack_wait_s,
            max_deliver=spec.max_deliver,
            max_ack_pending=10_000,
            num_replicas=self.replicas,
            **_filter(subjects),
        )
        await _ensure_consumer(self.js, self.stream, config)
        sub = await self.js.pull_subscribe_bind(durable=spec.name, stream=self.stream)
        return JetStreamSubscription(
            sub, spec.name, self.prefix, lambda: _ensure_consumer(self.js, self.stream, config)
        )

    async def exhausted(self, spec: ConsumerSpec) -> Subscription:
        stream = f"{self.stream}_ADVISORIES"
        name = f"{spec.name}_exhausted"
        config = ConsumerConfig(
            durable_name=name,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=spec.ack_wait_s,
            # A failure event that cannot be written after this many tries is logged, not
            # retried forever.
            max_deliver=20,
            filter_subject=f"{ADVISORY}.{self.stream}.{spec.name}",
            num_replicas=self.replicas,
        )
        await _ensure_consumer(self.js, stream, config)
        sub = await self.js.pull_subscribe_bind(durable=name, stream=stream)
        return ExhaustedSubscription(
            sub,
            self.js,
            self.stream,
            spec.name,
            spec.max_deliver,
            lambda: _ensure_consumer(self.js, stream, config),
        )


async def _decode_or_terminate(msg: Msg, data: bytes, consumer: str) -> RecordedEvent | None:
    """The event in a message; one this build cannot read is terminated, not retried, so it
    cannot hold back any other message."""
    try:
        return decode(data)
    except NewerSchemaVersion as exc:
        # Written by a newer build during a rolling deploy: not poison; a replica that
        # reads it (or this one, upgraded) takes it later.
        POISON_MESSAGES.labels(consumer, "newer_version").inc()
        log.warning("message of a newer schema version left for later", error=str(exc))
        with contextlib.suppress(Exception):
            await msg.nak(delay=NEWER_VERSION_RETRY_S)
        return None
    except Exception as exc:
        await _terminate(msg, consumer, "undecodable", repr(exc)[:200])
        return None


async def _terminate(msg: Msg, consumer: str, kind: str, detail: str) -> None:
    await settle_poison(msg, consumer, kind, detail, subject=msg.subject)


def _filter(subjects: list[str]) -> dict[str, Any]:
    # One subject works on every server; several need NATS 2.10+.
    if len(subjects) == 1:
        return {"filter_subject": subjects[0]}
    return {"filter_subjects": subjects}


async def _recover_consumer(recreate: Recreate | None, consumer: str) -> None:
    """A fetch with no responder: the consumer is gone (its stream was deleted or lost and
    is rebuilt by `redub republish`). Create it again once its stream is back; until then
    the error goes to the caller, which waits and fetches again."""
    if recreate is None:
        raise ServiceUnavailableError
    try:
        await recreate()
    except NotFoundError as exc:
        raise ServiceUnavailableError from exc  # the stream is not there (yet)
    log.warning("consumer was gone: created again", consumer=consumer)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.add_stream(config)
    except BadRequestError:
        await js.update_stream(config)


# "Consumer replica count exceeds parent stream": the stream's scale-up is still under way.
REPLICAS_EXCEED_STREAM = 10126
SCALE_UP_WAIT_S = 30.0


async def _ensure_consumer(js: JetStreamContext, stream: str, config: ConsumerConfig) -> None:
    # Creating a durable that exists is idempotent, so every replica may call this; the
    # server brings an existing durable's editable settings (ack wait, max deliver,
    # replicas) to these.
    deadline = asyncio.get_running_loop().time() + SCALE_UP_WAIT_S
    while True:
        try:
            await js.add_consumer(stream, config)
            return
        except BadRequestError as exc:
            # Replicas raised (e.g. 1 -> 3): the stream's update was accepted, but the
            # server takes a moment to apply it before consumers may follow.
            if exc.err_code != REPLICAS_EXCEED_STREAM:
                raise
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
