"""The stage runner on in-memory backends: idempotency, retries, failure events, work items."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from uuid import uuid4

from libs.events.catalogue import Payload, TranscriptReady, TranslationReady
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from libs.events.runner import RunnerConfig, StageRunner
from libs.events.stage import PermanentError, Stage, TransientError
from libs.events.work import WorkItem
from tests.support.builders import blob, new_job, recorded, step, transcript
from tests.support.outbox_peek import pending

FAST = RunnerConfig(
    max_deliver=3,
    ack_wait_s=0.3,
    backoff_base_s=0.01,
    backoff_max_s=0.02,
    fetch_timeout_s=0.05,
    relay_interval_s=0.05,
    relay_grace_s=0.1,
)


class Translate(Stage[TranscriptReady]):
    """Translates per language; languages in `fail` raise, `permanent` raise PermanentError."""

    name = "translator"
    consumes = TranscriptReady

    def __init__(self, fail: Sequence[str] = (), permanent: bool = False, fail_times: int = 99):
        self.fail = set(fail)
        self.permanent = permanent
        self.fail_times = fail_times
        self.calls: list[str] = []
        self.discarded: list[WorkItem] = []

    def work_items(self, payload: TranscriptReady) -> Sequence[str]:
        return payload.target_languages

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        item = work.item
        self.calls.append(item)
        if item in self.fail and self.calls.count(item) <= self.fail_times:
            raise (PermanentError if self.permanent else RuntimeError)(f"cannot do {item}")
        return [
            TranslationReady(language=item, translation=blob(item), segments=1, provider="test")
        ]

    async def discard(self, work: WorkItem) -> None:
        self.discarded.append(work)


class Redelivery:
    """A second delivery of an event whose first delivery's ack was lost (or, with
    `attempt=1`, the same event delivered anew, as a relay's republish would be)."""

    def __init__(self, event: RecordedEvent, attempt: int = 2) -> None:
        self.event = event
        self.attempt = attempt
        self.acked = False

    async def ack(self) -> None:
        self.acked = True

    async def nak(self, delay: float) -> None:
        raise AssertionError("a handled redelivery is acked, not retried")

    async def in_progress(self) -> None:
        return None

    async def term(self) -> None:
        raise AssertionError("a committed event is not poison")


async def run_until(runner: StageRunner, predicate: object, timeout: float = 5.0) -> None:
    """Run the runner until `predicate()` holds, then stop it."""
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(timeout):
            while not await predicate():  # type: ignore[operator]
                await asyncio.sleep(0.02)
    finally:
        runner.stop.set()
        await task


async def transcribed_job(
    store: MemoryEventStore, bus: MemoryBus, languages: Sequence[str] = ("fr", "de")
) -> Commit:
    job = new_job(languages)
    await store.append([job])
    [recorded] = await store.append([step(job.job_id, transcript(languages))])
    assert recorded is not None
    await bus.publish(recorded)
    return job


def types(events: Sequence[RecordedEvent]) -> list[str]:
    return [e.type for e in events]


async def test_each_language_is_translated_once_and_published() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus)
    stage = Translate()
    runner = StageRunner(stage, store, bus, FAST)

    async def translated() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and all(t.status == "translated" for t in view.tasks.values())

    await run_until(runner, translated)
    stream = await store.read_stream(job.job_id)
    assert types(stream).count("translation.ready") == 2
    assert sorted(stage.calls) == ["de", "fr"]
    assert all(e.causation_id == stream[1].event_id for e in stream[2:])
    left = await pending(store.outbox)
    assert "translation.ready" not in types(left), "published and cleared from the outbox"
    assert types(bus._log).count("translation.ready") == 2


async def handled_once() -> tuple[MemoryEventStore, MemoryBus, RecordedEvent, list[RecordedEvent]]:
    """A transcript handled once by the translator: the stores, the causing event, the log."""
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus)
    runner = StageRunner(Translate(), store, bus, FAST)
    sub = await bus.subscribe(runner.spec)
    [delivery] = await sub.fetch(1, 0.1)
    await runner.handle_delivery(delivery)
    return store, bus, delivery.event, await store.read_stream(job.job_id)


async def test_redelivered_message_appends_nothing_new() -> None:
    store, bus, event, before = await handled_once()
    # The same message again, as after a lost ack: same causing event, second delivery.
    stage = Translate()
    redelivered = Redelivery(event)
    await StageRunner(stage, store, bus, FAST).handle_delivery(redelivered)
    assert await store.read_stream(event.job_id) == before
    assert stage.calls == [], "the handled pre-check skips the work too"
    assert redelivered.acked


async def test_a_republished_first_delivery_is_prechecked_too() -> None:
    store, bus, event, before = await handled_once()
    stage = Translate()
    # A relay's late republish arrives as a first delivery: it is looked up all the same.
    await StageRunner(stage, store, bus, FAST).handle_delivery(Redelivery(event, attempt=1))
    assert stage.calls == []
    assert await store.read_stream(event.job_id) == before


class Racing(Translate):
    """A worker whose output loses the race: another worker commits the same item first."""

    def __init__(self, store: MemoryEventStore, rival: RecordedEvent) -> None:
        super().__init__()
        self.store = store
        self.rival = rival

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        out = await super().handle(payload, work)
        rival = Commit(
            work.job_id,
            [self.rival.caused(p) for p in out],
            handled=HandledKey("translator", f"{self.rival.event_id}:{work.item}"),
        )
        await self.store.append([rival])
        return out


async def test_a_worker_that_loses_the_race_discards_its_own_output() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    [event] = [e for e in await store.read_stream(job.job_id) if e.type == "transcript.ready"]
    stage = Racing(store, event)
    await StageRunner(stage, store, bus, FAST).handle_delivery(Redelivery(event, attempt=1))
    stream = await store.read_stream(job.job_id)
    assert types(stream).count("translation.ready") == 1, "the rival's, not a second one"
    assert [w.item for w in stage.discarded] == ["fr"], "the loser's blobs are removed"
    tokens = {w.token for w in stage.discarded}
    assert len(tokens) == 1 and all(len(t) >= 16 for t in tokens)


async def test_transient_failure_is_retried_then_succeeds() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus)
    stage = Translate(fail=["de"], fail_times=1)
    runner = StageRunner(stage, store, bus, FAST)

    async def both() -> bool:
        return types(await store.read_stream(job.job_id)).count("translation.ready") == 2

    await run_until(runner, both)
    assert stage.calls.count("fr") == 1, "the language that succeeded is not redone"
    assert stage.calls.count("de") == 2


async def test_always_failing_language_ends_in_failure_events() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus)
    stage = Translate(fail=["de"])
    runner = StageRunner(stage, store, bus, FAST)

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.tasks["de"].status == "failed"

    await run_until(runner, failed)
    stream = await store.read_stream(job.job_id)
    [stage_failed] = [e for e in stream if e.type == "stage.failed"]
    assert stage_failed.payload.model_dump()["attempts"] == FAST.max_deliver
    assert stage_failed.payload.model_dump()["language"] == "de"
    assert "cannot do de" in stage_failed.payload.model_dump()["reason"]
    assert types(stream).count("language.failed") == 1
    assert stage.calls.count("de") == FAST.max_deliver


async def test_permanent_error_fails_at_once() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = Translate(fail=["fr"], permanent=True)

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(StageRunner(stage, store, bus, FAST), failed)
    assert stage.calls == ["fr"]
    stream = await store.read_stream(job.job_id)
    assert types(stream)[-3:] == ["stage.failed", "language.failed", "job.failed"]


async def test_delivery_exhausted_by_crashes_becomes_failure_event() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    runner = StageRunner(Translate(), store, bus, FAST)
    sub = await bus.subscribe(runner.spec)
    # A worker that takes the message and dies, max_deliver times.
    for _ in range(FAST.max_deliver):
        got: list[object] = []
        while not got:
            got = list(await sub.fetch(1, 0.5))

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(runner, failed)
    [f] = [e for e in await store.read_stream(job.job_id) if e.type == "stage.failed"]
    reason = f.payload.model_dump()["reason"]
    assert "crashed" in reason and f"{FAST.max_deliver} deliveries" in reason


async def test_relay_publishes_what_a_dead_writer_committed() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = new_job(("fr",))
    await store.append([job])
    # Committed, never published: the writer died right after its commit.
    [orphan] = await store.append([step(job.job_id, transcript(("fr",)))])
    assert orphan is not None and bus._log == []
    runner = StageRunner(Translate(), store, bus, FAST)

    async def translated() -> bool:
        return "translation.ready" in types(await store.read_stream(job.job_id))

    await run_until(runner, translated)
    assert orphan[0] in bus._log


async def test_one_bad_commit_does_not_hold_back_the_batch() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    good = await transcribed_job(store, bus, ("fr",))
    # A transcript for a job that does not exist: its stream cannot take a translation.
    ghost_id = uuid4()
    ghost_recorded = recorded(transcript(("fr",)), ghost_id, position=999, seq=2)
    await bus.publish([ghost_recorded])
    runner = StageRunner(Translate(), store, bus, FAST)

    async def good_done() -> bool:
        return "translation.ready" in types(await store.read_stream(good.job_id))

    await run_until(runner, good_done)
    assert await store.load_view(ghost_id) is None


class Hang(Translate):
    """A handler that never answers, like a vendor that hangs."""

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        self.calls.append(work.item)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_hung_handler_times_out_and_ends_in_a_failure_event() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = Hang()
    config = replace(FAST, handler_timeout_s=0.05)

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(StageRunner(stage, store, bus, config), failed)
    assert stage.calls == ["fr"] * FAST.max_deliver
    [f] = [e for e in await store.read_stream(job.job_id) if e.type == "stage.failed"]
    assert "did not finish within 0.05 s" in f.payload.model_dump()["reason"]


class VendorBadMinute(Translate):
    """Raises a vendor's transient error `times` times, then works."""

    def __init__(self, times: int, retry_after_s: float | None = None) -> None:
        super().__init__()
        self.times = times
        self.retry_after_s = retry_after_s

    async def handle(self, payload: TranscriptReady, work: WorkItem) -> Sequence[Payload]:
        self.calls.append(work.item)
        if len(self.calls) <= self.times:
            raise TransientError("vendor said 503", retry_after_s=self.retry_after_s)
        return [
            TranslationReady(language=work.item, translation=blob("x"), segments=1, provider="t")
        ]


async def test_a_transient_vendor_error_is_retried_in_place_without_using_deliveries() -> None:
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    # More transient errors than the message has deliveries: a naked retry would fail the job.
    stage = VendorBadMinute(times=FAST.max_deliver + 2, retry_after_s=0.01)
    runner = StageRunner(stage, store, bus, replace(FAST, transient_hold_s=5.0))

    async def done() -> bool:
        return "translation.ready" in types(await store.read_stream(job.job_id))

    await run_until(runner, done)
    assert stage.calls == ["fr"] * (FAST.max_deliver + 3)
    assert "stage.failed" not in types(await store.read_stream(job.job_id))
    # Each failed try's output was removed, under its own attempt's keys.
    assert len(stage.discarded) == FAST.max_deliver + 2
    assert len({w.token for w in stage.discarded}) == FAST.max_deliver + 2
    assert {w.attempt for w in stage.discarded} == {1}, "all within the first delivery"


async def test_a_transient_error_past_the_hold_uses_deliveries_and_then_fails_with_its_reason() -> (
    None
):
    store, bus = MemoryEventStore(), MemoryBus()
    job = await transcribed_job(store, bus, ("fr",))
    stage = VendorBadMinute(times=10_000, retry_after_s=0.05)
    runner = StageRunner(stage, store, bus, replace(FAST, transient_hold_s=0.12))

    async def failed() -> bool:
        view = await store.load_view(job.job_id)
        return view is not None and view.status == "failed"

    await run_until(runner, failed)
    [f] = [e for e in await store.read_stream(job.job_id) if e.type == "stage.failed"]
    assert f.payload.model_dump()["attempts"] == FAST.max_deliver
    assert "vendor said 503" in f.payload.model_dump()["reason"]
    # A few tries per delivery (the hold), not one: and not unbounded either.
    assert FAST.max_deliver < len(stage.calls) <= FAST.max_deliver * 4
