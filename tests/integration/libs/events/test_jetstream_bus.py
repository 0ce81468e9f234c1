"""The bus contract on NATS JetStream, plus idempotent provisioning."""

import asyncio
from collections.abc import AsyncIterator, Callable
from uuid import UUID

import nats.js.errors
import pytest

from libs.events.jetstream_bus import JetStreamBus
from libs.servers import EmbeddedNats
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


async def test_watchers_hear_what_other_processes_publish(bus: JetStreamBus, nats_url: str) -> None:
    heard: list[UUID] = []
    changes = await bus.watch_jobs(heard.append)
    other = await JetStreamBus.connect(nats_url, bus.stream, bus.prefix)
    event = recorded(1)
    await other.publish([event])
    await other.close()
    deadline = asyncio.get_running_loop().time() + 5
    while event.job_id not in heard and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    assert heard == [event.job_id]
    await changes.close()


async def test_word_missed_while_away_changes_the_epoch(private_nats: EmbeddedNats) -> None:
    bus = await JetStreamBus.connect(private_nats.url, "AWAY", "away")
    changes = await bus.watch_jobs(lambda job: None)
    before = changes.epoch()
    assert before is not None
    private_nats.stop()
    await wait_for(lambda: changes.epoch() is None)
    private_nats.start()
    # Back, but events published meanwhile were never heard: a new epoch.
    await wait_for(lambda: changes.epoch() is not None)
    assert changes.epoch() != before
    await changes.close()
    await bus.nc.close()


async def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)


async def test_watchers_hear_a_republish(bus: JetStreamBus, nats_url: str) -> None:
    # `redub republish` publishes with `publish_async` from a process of its own.
    heard: list[UUID] = []
    changes = await bus.watch_jobs(heard.append)
    other = await JetStreamBus.connect(nats_url, bus.stream, bus.prefix)
    events = [recorded(1), recorded(2)]
    await other.publish_in_order(events)
    await other.close()
    await wait_for(lambda: {e.job_id for e in events} <= set(heard), timeout=5)
    await changes.close()


async def test_no_epoch_when_the_server_refuses_the_subscription(
    guarded_nats: EmbeddedNats,
) -> None:
    # A gateway whose NATS user may not subscribe to word of jobs hears none: its bodies
    # must not be kept, or each is served stale for the whole age bound.
    url = guarded_nats.url.replace("nats://", "nats://gw:pw@")
    bus = await JetStreamBus.connect(url, "GUARDED", "guarded")
    changes = await bus.watch_jobs(lambda job: None)
    assert changes.epoch() is None
    await changes.close()
    await bus.nc.close()


async def test_a_publish_to_a_lost_stream_fails_at_once_while_jobs_are_watched(
    bus: JetStreamBus,
) -> None:
    # Word of jobs has a subject of its own: a watcher is no responder for the events'
    # subjects, so a lost stream still answers "no responders" at once, not by a timeout.
    changes = await bus.watch_jobs(lambda job: None)
    await bus.js.delete_stream(bus.stream)
    started = asyncio.get_running_loop().time()
    with pytest.raises(nats.js.errors.NoStreamResponseError):
        await bus.publish([recorded(1)])
    assert asyncio.get_running_loop().time() - started < 2
    await changes.close()
    await bus.provision()  # for the fixture's teardown
