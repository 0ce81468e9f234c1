"""The stage runner under slow work, poison messages and store outages (in-memory backends)."""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID, uuid4

from prometheus_client import REGISTRY

from libs.events.catalogue import Payload, TranscriptReady, TranslationReady
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.event_log import Precheck
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from libs.events.outage_hold import OUTAGE_RETRY_MAX_S
from libs.events.runner import StageRunner
from libs.events.work import WorkItem
from tests.support.builders import blob, recorded, translation
from tests.unit.libs.events.test_runner import FAST, Translate, run_until, transcribed_job, types


class Timed(Translate):
    """Takes `slow_s` for languages in `slow`, no time for the rest; records when each ended."""

    def __init__(self, slow: Sequence[str] = (), slow_s: float = 1.0) -> None:
        super().__init__()
        self.slow = set(slow)
        self.slow_s = slow_s
        self.running = 0
        self.most_at_once = 0

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(self.slow_s if work.item in self.slow else 0.01)
            return await super().handle(payload, work)
        finally:
            self.running -= 1


def poison_count(stage: str, kind: str) -> float:
    value = REGISTRY.get_sample_value(
        "redub_poison_messages_total", {"consumer": stage, "kind": kind}
    )
    return value or 0.0


async def test_a_slow_item_does_not_hold_back_a_finished_one() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    slow_job = await transcribed_job(store, bus, ("de",))
    fast_job = await transcribed_job(store, bus, ("fr",))
    stage = Timed(slow=["de"], slow_s=1.5)
    runner = StageRunner(stage, store, bus, FAST)
    started = time.monotonic()

    async def fast_done() -> bool:
        return "translation.ready" in types(await store.read_stream(fast_job.job_id))

    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(5):
            while not await fast_done():
                await asyncio.sleep(0.01)
        assert time.monotonic() - started < 1.0, "committed while the slow one still works"
        assert "translation.ready" not in types(await store.read_stream(slow_job.job_id))
        assert bus.unsettled("translator") == 1, "the fast message is acked already"
    finally:
        runner.stop.set()
        await task
    assert "translation.ready" in types(await store.read_stream(slow_job.job_id)), "drained"


async def test_never_holds_more_messages_than_free_slots() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    jobs = [await transcribed_job(store, bus, ("fr",)) for _ in range(6)]
    stage = Timed(slow=["fr"], slow_s=0.2)
    runner = StageRunner(stage, store, bus, replace(FAST, concurrency=2, ack_wait_s=5))
    held: list[int] = []

    async def all_done() -> bool:
        held.append(bus.in_flight("translator"))
        streams = [await store.read_stream(j.job_id) for j in jobs]
        return all("translation.ready" in types(s) for s in streams)

    await run_until(runner, all_done)
    assert max(held) <= 2, "the rest stays with the consumer for other replicas"
    assert stage.most_at_once == 2


async def test_two_replicas_split_the_work_and_each_item_happens_once() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    jobs = [await transcribed_job(store, bus, ("fr", "de")) for _ in range(8)]
    stages = [Timed(slow=["fr", "de"], slow_s=0.05) for _ in range(2)]
    runners = [StageRunner(s, store, bus, replace(FAST, concurrency=2)) for s in stages]
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        async with asyncio.timeout(10):
            while True:
                streams = [await store.read_stream(j.job_id) for j in jobs]
                if all(types(s).count("translation.ready") == 2 for s in streams):
                    break
                await asyncio.sleep(0.02)
    finally:
        for r in runners:
            r.stop.set()
        await asyncio.gather(*tasks)
    shares = [len(s.calls) for s in stages]
    assert sum(shares) == 16, "each language of each job handled once in all"
    assert min(shares) >= 4, f"both replicas took work: {shares}"


async def test_a_payload_of_the_wrong_type_is_settled_and_the_next_message_handled() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    stage = Translate()
    runner = StageRunner(stage, store, bus, FAST)
    await bus.subscribe(runner.spec)
    before = poison_count("translator", "wrong_type")
    # A committed event of another type, put on the translator's consumer by mistake.
    stranger = await transcribed_job(store, bus, ("fr",))
    [wrong] = await store.append([_translation_step(stranger.job_id)])
    assert wrong is not None
    bus.inject("translator", wrong[0])
    good = await transcribed_job(store, bus, ("de",))

    async def good_done() -> bool:
        return "translation.ready" in types(await store.read_stream(good.job_id))

    await run_until(runner, good_done)
    assert wrong[0] in bus.terminated("translator")
    assert poison_count("translator", "wrong_type") == before + 1


async def test_an_event_not_in_the_log_is_settled_unhandled() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    stage = Translate()
    runner = StageRunner(stage, store, bus, FAST)
    forged = recorded(
        TranscriptReady(
            transcript=blob("t"), segments=1, duration_s=1, target_languages=["fr"], provider="x"
        ),
        uuid4(),
    )
    before = poison_count("translator", "not_in_log")
    await bus.publish([forged])
    good = await transcribed_job(store, bus, ("fr",))

    async def good_done() -> bool:
        return "translation.ready" in types(await store.read_stream(good.job_id))

    await run_until(runner, good_done)
    assert stage.calls == ["fr"], "the forged message was never worked on"
    assert forged in bus.terminated("translator")
    assert poison_count("translator", "not_in_log") == before + 1


async def test_a_failing_message_charges_no_other_message() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    bad = await transcribed_job(store, bus, ("de",))
    good = await transcribed_job(store, bus, ("fr",))
    stage = Translate(fail=["de"])

    async def settled() -> bool:
        view = await store.load_view(bad.job_id)
        return view is not None and view.status == "failed"

    await run_until(StageRunner(stage, store, bus, FAST), settled)
    assert stage.calls.count("fr") == 1
    assert "translation.ready" in types(await store.read_stream(good.job_id))


class FlakyStore(MemoryEventStore):
    """A store whose server is unreachable until `up` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.up = True
        self.refused = 0

    def _check(self) -> None:
        if not self.up:
            self.refused += 1
            raise ConnectionRefusedError("connection refused")

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        self._check()
        return await super().append(commits)

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        self._check()
        return await super().precheck(event_ids, keys)


async def test_a_store_outage_longer_than_the_retry_budget_fails_no_job() -> None:
    store, bus = FlakyStore(), MemoryBus()
    first = await transcribed_job(store, bus, ("fr",))
    later = [await transcribed_job(store, bus, ("de",)) for _ in range(3)]
    stage = Timed(slow=["fr"], slow_s=0.1)
    config = replace(FAST, concurrency=1)
    # The whole retry budget (3 deliveries, backoff of hundredths) is far shorter than this.
    outage_s = 1.5
    runner = StageRunner(stage, store, bus, config)
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(0.02)  # the first message is taken...
        store.up = False  # ... and the store goes away while it is worked on
        await asyncio.sleep(outage_s)
        assert stage.calls == ["fr"], "no new work is taken while the store is unreachable"
        assert store.refused >= 2, "the held output was retried"
        store.up = True
        async with asyncio.timeout(5):
            while True:
                streams = [await store.read_stream(j.job_id) for j in (first, *later)]
                if all("translation.ready" in types(s) for s in streams):
                    break
                await asyncio.sleep(0.02)
    finally:
        runner.stop.set()
        await task
    stream = await store.read_stream(first.job_id)
    assert "stage.failed" not in types(stream)
    assert stage.calls.count("fr") == 1, "the work was done once and its output kept"


def _translation_step(job_id: object) -> Commit:
    from tests.support.builders import step

    payload: TranslationReady = translation("fr")
    return step(job_id, payload)  # type: ignore[arg-type]


async def test_work_longer_than_the_ack_wait_keeps_its_message() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = Timed(slow=["fr"], slow_s=1.0)  # more than three ack waits of 0.3 s

    async def done() -> bool:
        return "translation.ready" in types(await store.read_stream(job.job_id))

    await run_until(StageRunner(stage, store, bus, FAST), done)
    assert stage.calls == ["fr"], "heartbeats kept it: no redelivery, no second worker"


class LostCommitStore(MemoryEventStore):
    """Commits the first append, then loses the connection before answering."""

    def __init__(self) -> None:
        super().__init__()
        self.lost = 0

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        result = await super().append(commits)
        if self.lost == 0 and any(c.handled for c in commits):
            self.lost += 1
            raise ConnectionResetError("connection lost after COMMIT")
        return result


async def test_a_commit_whose_answer_was_lost_keeps_its_blobs() -> None:
    store, bus = LostCommitStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = Translate()

    async def done() -> bool:
        return bus.unsettled("translator") == 0 if "translator" in bus._consumers else False

    await run_until(StageRunner(stage, store, bus, FAST), done)
    assert store.lost == 1, "the connection was lost once, after the commit"
    stream = await store.read_stream(job.job_id)
    assert types(stream).count("translation.ready") == 1
    assert stage.discarded == [], "its blobs are named by the committed event: they stay"
    assert stage.calls == ["fr"]


class RefusingStore(MemoryEventStore):
    """A log that refuses every stage output (a bug, a constraint): not an outage."""

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        if any(c.handled for c in commits):
            raise RuntimeError("constraint violated")
        return await super().append(commits)


class Recorded:
    """A delivery that records how it was settled."""

    def __init__(self, event: RecordedEvent, attempt: int) -> None:
        self.event = event
        self.attempt = attempt
        self.settled: list[str] = []

    async def ack(self) -> None:
        self.settled.append("ack")

    async def nak(self, delay: float) -> None:
        self.settled.append("nak")

    async def in_progress(self) -> None:
        return None

    async def term(self) -> None:
        self.settled.append("term")


async def test_a_message_is_never_acked_while_the_log_holds_nothing_for_it() -> None:
    store, bus = RefusingStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    [event] = [e for e in await store.read_stream(job.job_id) if e.type == "transcript.ready"]
    last = Recorded(event, attempt=FAST.max_deliver)
    await StageRunner(Translate(), store, bus, FAST).handle_delivery(last)
    # Neither the output nor the failure event went in: the bus keeps the message (its
    # deliveries run out and the exhausted path tries again), it is not acked away.
    assert last.settled == ["nak"]
    assert types(await store.read_stream(job.job_id)) == ["job.submitted", "transcript.ready"]


async def test_stopping_during_an_outage_leaves_the_message_for_redelivery() -> None:
    store, bus = FlakyStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    [event] = [e for e in await store.read_stream(job.job_id) if e.type == "transcript.ready"]
    runner = StageRunner(Translate(), store, bus, FAST)
    store.up = False
    held = Recorded(event, attempt=1)
    task = asyncio.create_task(runner.handle_delivery(held))
    await asyncio.sleep(0.3)
    assert not task.done(), "held through the outage"
    runner.stop.set()
    async with asyncio.timeout(OUTAGE_RETRY_MAX_S + 1):
        await task
    assert held.settled == [], "unsettled: the bus redelivers it after its ack wait"
