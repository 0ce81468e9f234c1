"""The stage runner when a handler meets an outage of our own infrastructure (storage): the
message is held and the handler tried again in place until the server is back; any other
error, a bare OSError included, stays an ordinary failure (in-memory backends)."""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace

from libs.events.catalogue import Payload, TranscriptReady, TranslationReady
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from libs.events.outage import Outage
from libs.events.outage_hold import OUTAGE_RETRY_MAX_S
from libs.events.runner import StageRunner
from libs.events.stage import PermanentError
from libs.events.work import WorkItem
from tests.support.builders import blob
from tests.unit.libs.events.test_runner import FAST, Translate, run_until, transcribed_job, types
from tests.unit.libs.events.test_runner_faults import Recorded


class StorageDown(Outage):
    """What a storage adapter raises while its server answers 503 or is unreachable."""


class OnStorage(Translate):
    """Reads its input from a storage that is down while `down` is set; records each try."""

    def __init__(self, error: type[Exception] = StorageDown) -> None:
        super().__init__()
        self.down = False
        self.error = error
        self.tries: list[WorkItem] = []

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        self.tries.append(work)
        if self.down:
            raise self.error("storage answered 503")
        self.calls.append(work.item)
        return [
            TranslationReady(
                language=work.item, translation=blob(work.item), segments=1, provider="t"
            )
        ]


async def test_a_storage_outage_longer_than_the_deliveries_holds_the_message_and_fails_nothing() -> (
    None
):
    store, bus = MemoryEventStore(), MemoryBus()
    first = await transcribed_job(store, bus, ("fr",))
    later = await transcribed_job(store, bus, ("de",))
    stage = OnStorage()
    stage.down = True
    # Three deliveries of 0.3 s with backoffs of hundredths: about a second in all.
    outage_s = 3 * FAST.max_deliver * FAST.ack_wait_s + 0.5
    runner = StageRunner(stage, store, bus, replace(FAST, concurrency=1))
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(outage_s)
        assert {w.item for w in stage.tries} == {"fr"}, "no new work while storage is down"
        assert len(stage.tries) >= 4, "the handler was tried again in place"
        assert {w.attempt for w in stage.tries} == {1}, "all within the first delivery"
        assert stage.discarded == [], "nothing discarded while the store is down"
        stage.down = False
        async with asyncio.timeout(OUTAGE_RETRY_MAX_S + 3):
            while True:
                streams = [await store.read_stream(j.job_id) for j in (first, later)]
                if all("translation.ready" in types(s) for s in streams):
                    break
                await asyncio.sleep(0.02)
    finally:
        runner.stop.set()
        await task
    stream = await store.read_stream(first.job_id)
    assert types(stream).count("translation.ready") == 1
    assert "stage.failed" not in types(stream)
    assert stage.calls == ["fr", "de"], "each item's work done once, after the outage"
    # Every try that met the outage had its own token; its blobs went once it was over.
    failed_tries = [w for w in stage.tries if w.item == "fr"][:-1]
    assert len({w.token for w in failed_tries}) == len(failed_tries)
    assert {w.token for w in stage.discarded} == {w.token for w in failed_tries}


async def test_a_bare_os_error_from_a_handler_is_an_ordinary_failure() -> None:
    # A vendor's refused connection, a missing scratch file: not our infrastructure's outage.
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = OnStorage(error=ConnectionRefusedError)
    stage.down = True

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(StageRunner(stage, store, bus, FAST), failed)
    [f] = [e for e in await store.read_stream(job.job_id) if e.type == "stage.failed"]
    assert f.payload.model_dump()["attempts"] == FAST.max_deliver
    assert len(stage.tries) == FAST.max_deliver, "one try per delivery, none held"


async def test_a_permanent_error_caused_by_an_outage_stays_permanent() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))

    class Refusing(OnStorage):
        async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
            self.tries.append(work)
            try:
                raise StorageDown("503")
            except StorageDown as exc:
                raise PermanentError("the stage decided: bad input") from exc

    stage = Refusing()

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(StageRunner(stage, store, bus, FAST), failed)
    assert len(stage.tries) == 1


async def test_stopping_during_a_storage_outage_leaves_the_message_unsettled() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    [event] = [e for e in await store.read_stream(job.job_id) if e.type == "transcript.ready"]
    stage = OnStorage()
    stage.down = True
    runner = StageRunner(stage, store, bus, FAST)
    held = Recorded(event, attempt=1)
    task = asyncio.create_task(runner.handle_delivery(held))
    await asyncio.sleep(0.5)
    assert not task.done(), "held through the outage"
    stopped = time.monotonic()
    runner.stop.set()
    async with asyncio.timeout(2):
        await task
    assert time.monotonic() - stopped < 1, "the stop cuts the outage's backoff short"
    assert held.settled == [], "unsettled: the bus redelivers it after its ack wait"
    assert "stage.failed" not in types(await store.read_stream(job.job_id))
    assert stage.discarded == [], "the store is down: the leftovers stay for the janitor"


async def test_new_work_waits_until_every_held_item_is_past_the_outage() -> None:
    # Two items of one message: "fr" meets the outage, "de" does not (and frees nothing);
    # a message published meanwhile is not taken until "fr" is through.
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr", "de"))

    class HalfDown(OnStorage):
        async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
            if work.item == "fr":
                return await super().handle(payload, work)
            self.calls.append(work.item)
            return [
                TranslationReady(
                    language=work.item, translation=blob(work.item), segments=1, provider="t"
                )
            ]

    stage = HalfDown()
    stage.down = True
    runner = StageRunner(stage, store, bus, replace(FAST, concurrency=2))
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(0.3)
        assert stage.calls == ["de"]
        other = await transcribed_job(store, bus, ("es",))
        await asyncio.sleep(1.0)
        assert "es" not in stage.calls, "a free slot, but no new message while one is held"
        stage.down = False

        async def done() -> bool:
            return "translation.ready" in types(await store.read_stream(other.job_id))

        async with asyncio.timeout(OUTAGE_RETRY_MAX_S + 3):
            while not await done():
                await asyncio.sleep(0.02)
    finally:
        runner.stop.set()
        await task
    assert types(await store.read_stream(job.job_id)).count("translation.ready") == 2
    assert stage.calls == ["de", "fr", "es"]
