"""Consumer lag as gauges: pending and ack-pending of durable consumers, from consumer info."""

import asyncio
from collections.abc import Sequence

import structlog
from nats.js import JetStreamContext

from libs.observability.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    CONSUMER_REDELIVERED,
)

log = structlog.get_logger()


async def refresh_consumer_lag(js: JetStreamContext, consumers: Sequence[tuple[str, str]]) -> None:
    """Set the gauges of each (stream, consumer) from the server's consumer info."""
    for stream, consumer in consumers:
        info = await js.consumer_info(stream, consumer)
        CONSUMER_PENDING.labels(stream, consumer).set(info.num_pending or 0)
        CONSUMER_ACK_PENDING.labels(stream, consumer).set(info.num_ack_pending or 0)
        CONSUMER_REDELIVERED.labels(stream, consumer).set(info.num_redelivered or 0)


async def watch_consumer_lag(
    js: JetStreamContext,
    consumers: Sequence[tuple[str, str]],
    stop: asyncio.Event,
    interval_s: float = 5.0,
) -> None:
    """Refresh the lag gauges every `interval_s` until `stop` is set; a failed refresh
    keeps the last values (an outage shows in /readyz, not as a lag of zero)."""
    while not stop.is_set():
        try:
            await refresh_consumer_lag(js, consumers)
        except Exception as exc:
            log.debug("consumer lag refresh failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass
