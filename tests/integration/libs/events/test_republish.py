"""Republishing the log onto JetStream: in position order, from a position, deduplicated."""

from collections.abc import AsyncIterator

import pytest

from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore
from libs.events.republish import republish
from libs.events.wire import decode
from tests.support.builders import new_job, step, transcript


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    s = await PostgresEventStore.connect(database_url, max_size=4)
    yield s
    await s.close()


@pytest.fixture
async def bus(nats_url: str, stream_prefix: str) -> AsyncIterator[JetStreamBus]:
    b = await JetStreamBus.connect(nats_url, stream_prefix.upper(), stream_prefix)
    yield b
    await b.js.delete_stream(b.stream)
    await b.js.delete_stream(f"{b.stream}_ADVISORIES")
    await b.close()


async def _stream_positions(bus: JetStreamBus) -> list[int]:
    info = await bus.js.stream_info(bus.stream)
    return [
        decode((await bus.js.get_msg(bus.stream, seq)).data or b"").position
        for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]


async def test_republish_creates_the_stream_and_publishes_in_order_once(
    store: PostgresEventStore, bus: JetStreamBus
) -> None:
    jobs = [new_job() for _ in range(30)]
    await store.append(jobs)
    await store.append([step(j.job_id, transcript()) for j in jobs])
    assert not await bus.stream_exists()

    result = await republish(store.log, bus, from_position=11, batch=7)

    assert await bus.stream_exists()
    assert (result.events, result.first, result.last) == (50, 11, 60)
    assert await _stream_positions(bus) == list(range(11, 61))
    # Again from the start: what the stream holds is dropped by its duplicate window.
    again = await republish(store.log, bus, from_position=1)
    assert again.events == 60
    assert await _stream_positions(bus) == list(range(11, 61)) + list(range(1, 11))


async def test_republish_past_the_end_sends_nothing(
    store: PostgresEventStore, bus: JetStreamBus
) -> None:
    await store.append([new_job()])
    result = await republish(store.log, bus, from_position=5)
    assert (result.events, result.first, result.last) == (0, None, None)
