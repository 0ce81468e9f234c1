"""The bus on NATS JetStream: one file-backed stream, durable pull consumers."""

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from libs.events.bus import Bus, Changed, ConsumerSpec, JobChanges, Subscription
from libs.events.envelope import RecordedEvent
from libs.events.jetstream_job_changes import NatsJobChanges, job_words
from libs.events.jetstream_provision import (
    advisories_stream,
    advisories_stream_config,
    consumer_config,
    ensure_consumer,
    ensure_stream,
    events_stream_config,
    exhausted_config,
)
from libs.events.jetstream_subscription import ExhaustedSubscription, JetStreamSubscription
from libs.events.wire import encode, subject_for, word_subject


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
        # This process's watchers hear its own publishes before they leave: what a gateway
        # commits is never served stale by the same gateway (read your writes).
        self._watchers: list[Changed] = []

    @classmethod
    async def connect(
        cls, url: str | Sequence[str], stream: str, prefix: str, **kw: Any
    ) -> "JetStreamBus":
        """Connect (reconnecting forever on loss) and return the bus; `url` may be one
        server, a list of a cluster's servers, or such a list comma-separated."""
        servers = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
        return cls(await _connect([u for u in servers if u]), stream, prefix, **kw)

    async def close(self) -> None:
        if not self.nc.is_closed:
            await self.nc.drain()

    async def provision(self) -> None:
        config = events_stream_config(
            self.stream, self.prefix, self.duplicate_window_s, self.replicas
        )
        await ensure_stream(self.js, config)
        await ensure_stream(self.js, advisories_stream_config(self.stream, self.replicas))

    async def watch_jobs(self, changed: Changed) -> JobChanges:
        self._watchers.append(changed)
        # On a connection of its own: every event of the deployment flows through it, and a
        # burst (a republish of the log) that gets it cut off as a slow consumer must not
        # cut off the connection that publishes and consumes.
        # The servers this bus was given (with their credentials), not those it learnt of.
        learnt = self.nc.discovered_servers
        nc = await _connect([u.geturl() for u in self.nc.servers if u not in learnt])
        return await NatsJobChanges.start(
            nc, word_subject(self.prefix), changed, lambda: self._watchers.remove(changed)
        )

    async def _tell(self, events: Sequence[RecordedEvent]) -> None:
        """Name the events' jobs to this process's watchers, then to every other's."""
        jobs = list(dict.fromkeys(e.job_id for e in events))
        for changed in self._watchers:
            for job in jobs:
                changed(job)
        # Fire and forget: a word lost with this connection is said again when the relay
        # publishes the events, and a watcher serves nothing older than its own age bound.
        with contextlib.suppress(nats.errors.Error):
            await self.nc.publish(word_subject(self.prefix), job_words(jobs))

    async def publish(self, events: Sequence[RecordedEvent]) -> None:
        # Committed already: word goes first, whether or not the stream takes them now.
        await self._tell(events)
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
        await self._tell(events)
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
        config = consumer_config(spec, self.prefix, self.replicas)
        await ensure_consumer(self.js, self.stream, config)
        sub = await self.js.pull_subscribe_bind(durable=spec.name, stream=self.stream)
        return JetStreamSubscription(
            sub, spec.name, self.prefix, lambda: ensure_consumer(self.js, self.stream, config)
        )

    async def exhausted(self, spec: ConsumerSpec) -> Subscription:
        stream = advisories_stream(self.stream)
        config = exhausted_config(spec, self.stream, self.replicas)
        await ensure_consumer(self.js, stream, config)
        sub = await self.js.pull_subscribe_bind(durable=config.durable_name, stream=stream)
        return ExhaustedSubscription(
            sub,
            self.js,
            self.stream,
            spec.name,
            spec.max_deliver,
            lambda: ensure_consumer(self.js, stream, config),
        )


async def _connect(servers: list[str]) -> Client:
    """A connection that reconnects forever on loss."""
    return await nats.connect(
        servers=servers, max_reconnect_attempts=-1, reconnect_time_wait=0.5, connect_timeout=5
    )
