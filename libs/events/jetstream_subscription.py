"""Reading the bus on NATS JetStream: pull subscriptions bound to durable consumers, and the
MAX_DELIVERIES advisories that report a message out of deliveries."""

import contextlib
from collections.abc import Awaitable, Callable, Sequence

import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError, ServiceUnavailableError

from libs.events.advisory import parse_advisory
from libs.events.bus import Delivery
from libs.events.envelope import RecordedEvent
from libs.events.poison import settle_poison
from libs.events.upcasting import NewerSchemaVersion
from libs.events.wire import decode, subject_for
from libs.observability.metrics import POISON_MESSAGES

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
