"""The bus contract on NATS JetStream, plus idempotent provisioning."""

from collections.abc import AsyncIterator

import pytest

from libs.events.jetstream_bus import JetStreamBus
from tests.support.bus_contract import BusContract, fetch_until, recorded
from tests.support.jetstream import provisioned_bus


@pytest.fixture
async def bus(nats_url: str, stream_prefix: str) -> AsyncIterator[JetStreamBus]:
    async with provisioned_bus(nats_url, stream_prefix) as b:
        yield b


class TestJetStreamBus(BusContract):
    ack_wait_s = 1.0


async def test_provisioning_twice_keeps_messages(bus: JetStreamBus) -> None:
    await bus.publish([recorded(1)])
    await bus.provision()
    sub = await bus.subscribe(TestJetStreamBus().spec())
    assert len(await fetch_until(sub, 1)) == 1
    info = await bus.js.stream_info(bus.stream)
    assert info.config.duplicate_window == 120.0
