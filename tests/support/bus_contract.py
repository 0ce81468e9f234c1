"""One test suite every Bus backend must pass (subclass it and give a `bus` fixture)."""

import asyncio
from datetime import UTC, datetime
from uuid import UUID, uuid4

from libs.events.bus import Bus, ConsumerSpec, Delivery, Subscription
from libs.events.envelope import RecordedEvent
from tests.support.builders import USER, submitted, transcript


def recorded(position: int, payload: object = None) -> RecordedEvent:
    """A committed event as the store would hand it to the bus."""
    job_id = uuid4()
    now = datetime.now(UTC)
    return RecordedEvent(
        position=position,
        event_id=uuid4(),
        job_id=job_id,
        seq=1,
        payload=payload or submitted(),
        correlation_id=job_id,
        causation_id=None,  # type: ignore[arg-type]
        user_id=USER,
        occurred_at=now,
        recorded_at=now,
    )


async def fetch_until(sub: Subscription, n: int, timeout: float = 10.0) -> list[Delivery]:
    """Fetch until `n` deliveries arrived or the time is up."""
    got: list[Delivery] = []
    deadline = asyncio.get_running_loop().time() + timeout
    while len(got) < n and asyncio.get_running_loop().time() < deadline:
        got.extend(await sub.fetch(n - len(got), 0.2))
    return got


class BusContract:
    """Behaviour shared by the in-memory and JetStream buses."""

    ack_wait_s = 1.0

    def spec(self, name: str = "worker", max_deliver: int = 3) -> ConsumerSpec:
        return ConsumerSpec(name, ("job.submitted",), max_deliver, self.ack_wait_s)

    async def test_consumer_gets_its_types_only(self, bus: Bus) -> None:
        sub = await bus.subscribe(self.spec())
        wanted = recorded(1)
        await bus.publish([wanted, recorded(2, transcript())])
        got = await fetch_until(sub, 1)
        assert [d.event for d in got] == [wanted]
        assert got[0].attempt == 1
        await got[0].ack()
        assert await sub.fetch(5, 0.3) == []

    async def test_same_event_id_is_delivered_once(self, bus: Bus) -> None:
        sub = await bus.subscribe(self.spec())
        event = recorded(1)
        await bus.publish([event])
        await bus.publish([event])
        [got] = await fetch_until(sub, 1)
        await got.ack()
        assert await fetch_until(sub, 1, timeout=1.0) == []

    async def test_events_published_before_binding_wait_for_the_consumer(self, bus: Bus) -> None:
        await bus.publish([recorded(1)])
        sub = await bus.subscribe(self.spec("late"))
        assert len(await fetch_until(sub, 1)) == 1

    async def test_nak_redelivers_with_a_higher_attempt(self, bus: Bus) -> None:
        sub = await bus.subscribe(self.spec())
        await bus.publish([recorded(1)])
        [first] = await fetch_until(sub, 1)
        await first.nak(0)
        [second] = await fetch_until(sub, 1)
        assert second.event == first.event and second.attempt == 2

    async def test_unacked_message_comes_back_after_ack_wait(self, bus: Bus) -> None:
        sub = await bus.subscribe(self.spec())
        await bus.publish([recorded(1)])
        [first] = await fetch_until(sub, 1)
        [again] = await fetch_until(sub, 1, timeout=self.ack_wait_s * 5)
        assert again.event == first.event and again.attempt == 2

    async def test_replicas_share_one_consumer(self, bus: Bus) -> None:
        a = await bus.subscribe(self.spec())
        b = await bus.subscribe(self.spec())
        await bus.publish([recorded(i) for i in range(1, 11)])
        got_a = await a.fetch(5, 1.0)
        got_b = await fetch_until(b, 10 - len(got_a))
        ids = [d.event.event_id for d in [*got_a, *got_b]]
        assert len(ids) == 10 and len(set(ids)) == 10

    async def test_message_out_of_deliveries_is_reported_exhausted(self, bus: Bus) -> None:
        spec = self.spec(max_deliver=2)
        sub = await bus.subscribe(spec)
        exhausted = await bus.exhausted(spec)
        event = recorded(1)
        await bus.publish([event])
        for attempt in (1, 2):
            [d] = await fetch_until(sub, 1, timeout=self.ack_wait_s * 5)
            assert d.attempt == attempt  # never settled: as if the worker died each time
        # Like a live runner, keep pulling: a pull consumer notices exhaustion on a request.
        reports: list[Delivery] = []
        for _ in range(30):
            assert await sub.fetch(1, self.ack_wait_s / 4) == []
            reports.extend(await exhausted.fetch(1, self.ack_wait_s / 4))
            if reports:
                break
        [report] = reports
        assert report.event == event and report.attempt == 2
        await report.ack()
        assert await exhausted.fetch(1, 0.5) == []

    async def test_watchers_hear_the_job_of_each_event_this_process_publishes(
        self, bus: Bus
    ) -> None:
        heard: list[UUID] = []
        changes = await bus.watch_jobs(heard.append)
        assert changes.epoch() is not None
        events = [recorded(1), recorded(2, transcript())]
        await bus.publish(events)
        # Before `publish` returns: a gateway never serves a body older than its own writes.
        assert {e.job_id for e in events} <= set(heard)
        await changes.close()
        heard.clear()
        await bus.publish([recorded(3)])
        await asyncio.sleep(0.3)
        assert heard == []
