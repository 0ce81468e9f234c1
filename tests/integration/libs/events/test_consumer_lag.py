"""Consumer lag gauges read from a real JetStream consumer's info."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from libs.events.bus import ConsumerSpec
from libs.events.consumer_lag import refresh_consumer_lag
from libs.events.jetstream_bus import JetStreamBus
from libs.observability.metrics import CONSUMER_ACK_PENDING, CONSUMER_PENDING
from tests.support.bus_contract import fetch_until, recorded
from tests.support.jetstream import provisioned_bus


@pytest.fixture
async def bus(nats_url: str, stream_prefix: str) -> AsyncIterator[JetStreamBus]:
    async with provisioned_bus(nats_url, stream_prefix) as b:
        yield b


def gauge(g: object, stream: str, consumer: str) -> float:
    return float(g.labels(stream, consumer)._value.get())  # type: ignore[attr-defined]


async def test_pending_and_ack_pending_follow_the_consumer(bus: JetStreamBus) -> None:
    sub = await bus.subscribe(ConsumerSpec("lagging", ("job.submitted",), 3, 30.0))
    await bus.publish([recorded(i) for i in range(1, 6)])
    await refresh_consumer_lag(bus.js, [(bus.stream, "lagging")])
    assert gauge(CONSUMER_PENDING, bus.stream, "lagging") == 5
    assert gauge(CONSUMER_ACK_PENDING, bus.stream, "lagging") == 0

    taken = await fetch_until(sub, 2)
    assert len(taken) == 2
    await refresh_consumer_lag(bus.js, [(bus.stream, "lagging")])
    assert gauge(CONSUMER_PENDING, bus.stream, "lagging") == 3
    assert gauge(CONSUMER_ACK_PENDING, bus.stream, "lagging") == 2

    for d in taken:
        await d.ack()
    # Acks are fire-and-forget: the server counts them a moment later.
    for _ in range(50):
        await refresh_consumer_lag(bus.js, [(bus.stream, "lagging")])
        if gauge(CONSUMER_ACK_PENDING, bus.stream, "lagging") == 0:
            break
        await asyncio.sleep(0.1)
    assert gauge(CONSUMER_ACK_PENDING, bus.stream, "lagging") == 0
    await sub.close()
