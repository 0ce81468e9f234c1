"""The four stages' runners in-process on real NATS and PostgreSQL, with the blobs on Supabase
Storage (the local fake) and the paid vendor at its fake: a storage outage longer than all
the deliveries fails no job and pays for nothing twice; a refused signed URL (a wrong
signing secret) fails the work at once and says why."""

import asyncio
import collections
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import nats.js.errors
import pytest
from prometheus_client import REGISTRY

from libs.events.catalogue import JobSubmitted, Usage
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore
from libs.events.relay import publish_committed
from libs.events.runner import RunnerConfig, StageRunner
from libs.events.stage import Stage
from libs.storage.blob_store import BlobStore
from libs.storage.local_store import LocalBlobStore
from libs.storage.scratch import use_scratch_root
from libs.storage.signed_fetch_store import SignedFetchBlobStore
from libs.storage.supabase_store import SupabaseBlobStore
from libs.synthesis.deepgram_tts import DeepgramTextToSpeech
from libs.transcription.deepgram_stt import DeepgramSpeechToText
from libs.translation.pseudo import PseudoTranslator
from services.mixer.engine import InstantMixEngine, MixOptions
from services.mixer.handler import Mixer
from services.synthesizer.handler import Synthesizer
from services.transcriber.handler import Transcriber
from services.translator.handler import TranslatorStage
from tests.support.api import event_counts, expected_counts
from tests.support.builders import USER
from tests.support.fake_vendors import FakeVendors
from tests.support.gateway_app import gateway
from tests.support.stages import submission
from tests.support.supabase_storage_fake import StorageFake
from tests.support.vendor_sessions import session

# Deliveries run out in about two seconds; every handler gets a fresh try after 0.1 s.
CONFIG = RunnerConfig(
    concurrency=2,
    ack_wait_s=1.0,
    max_deliver=2,
    backoff_base_s=0.1,
    backoff_max_s=0.2,
    fetch_timeout_s=0.1,
    relay_interval_s=0.2,
    relay_grace_s=0.5,
)
LINES = 20
SPEAK_LIMIT = 4


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "scratch"
    use_scratch_root(root)
    yield root
    use_scratch_root(None)


@pytest.fixture
async def servers(
    database_url: str, nats_url: str, stream_prefix: str
) -> AsyncIterator[tuple[PostgresEventStore, JetStreamBus]]:
    store = await PostgresEventStore.connect(database_url, max_size=8)
    bus = await JetStreamBus.connect(nats_url, stream_prefix.upper(), stream_prefix)
    await bus.provision()
    yield store, bus
    for stream in (bus.stream, f"{bus.stream}_ADVISORIES"):
        with contextlib.suppress(nats.js.errors.NotFoundError):  # the gateway's went with it
            await bus.js.delete_stream(stream)
    await bus.close()
    await store.close()


@pytest.fixture
async def supabase_blobs(supabase_storage: StorageFake) -> AsyncIterator[SupabaseBlobStore]:
    bucket = f"b-{uuid.uuid4().hex[:10]}"
    supabase_storage.create_bucket(bucket)
    # Its own retries are short: the outage outlasts them, as a real one would.
    blobs = SupabaseBlobStore(
        supabase_storage.url, supabase_storage.service_key, bucket, retry_for_s=0.3
    )
    yield blobs
    supabase_storage.come_back()
    await blobs.close()


async def submit(store: PostgresEventStore, bus: JetStreamBus, job: JobSubmitted) -> uuid.UUID:
    """Commit a `job.submitted` and publish it, as the gateway does."""
    job_id = uuid.uuid4()
    event = NewEvent(job_id=job_id, payload=job, correlation_id=job_id, user_id=USER)
    [recorded] = await store.append([Commit(job_id, [event], expected_version=0)])
    assert recorded is not None
    await publish_committed(store.outbox, bus, recorded)
    return job_id


@asynccontextmanager
async def running(
    stages: list[Stage[Any]], store: PostgresEventStore, bus: JetStreamBus
) -> AsyncIterator[list[StageRunner[Any]]]:
    runners = [StageRunner(s, store, bus, CONFIG) for s in stages]
    tasks = [asyncio.create_task(r.run()) for r in runners]
    try:
        yield runners
    finally:
        for r in runners:
            r.stop.set()
        await asyncio.gather(*tasks)


async def until(predicate: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


def _sample(name: str, stage: str) -> float:
    return REGISTRY.get_sample_value(name, {"stage": stage}) or 0.0


async def test_a_storage_outage_longer_than_the_deliveries_fails_nothing_and_pays_once(
    servers: tuple[PostgresEventStore, JetStreamBus],
    supabase_blobs: SupabaseBlobStore,
    supabase_storage: StorageFake,
    fake_vendors: FakeVendors,
    database_url: str,
    tmp_path: Path,
    scratch: Path,
) -> None:
    store, bus = servers
    blobs: BlobStore = supabase_blobs
    fake_vendors.listen_lines = LINES
    fake_vendors.latency_s = 0.1
    deepgram = session("deepgram", fake_vendors.url, limit=SPEAK_LIMIT)
    stages: list[Stage[Any]] = [
        Transcriber(DeepgramSpeechToText(deepgram), blobs),
        TranslatorStage(PseudoTranslator(), blobs),
        Synthesizer(DeepgramTextToSpeech(deepgram), blobs, line_concurrency=SPEAK_LIMIT),
        Mixer(InstantMixEngine(), blobs, MixOptions()),
    ]
    job = await submission(blobs, tmp_path, languages=("fr",), seconds=3.0 * LINES)
    retries_before = _sample("redub_stage_outage_retries_total", "synthesizer")
    redelivered_before = _sample("redub_stage_redeliveries_total", "synthesizer")
    outage_s = 3 * CONFIG.max_deliver * CONFIG.ack_wait_s  # three times what the budget allows

    async with running(stages, store, bus):
        job_id = await submit(store, bus, job)

        async def speaking() -> bool:
            return len(fake_vendors.calls("speak")) >= 6

        await until(speaking, 60, "the synthesizer never got going")
        supabase_storage.go_down(503)
        await asyncio.sleep(0.5)
        paid_at_outage = len(fake_vendors.calls("speak"))
        await asyncio.sleep(outage_s)
        assert len(fake_vendors.calls("speak")) == paid_at_outage, "nothing paid during it"
        assert paid_at_outage < LINES, "the outage came mid-way"
        during = [e.type for e in await store.read_stream(job_id)]
        assert "stage.failed" not in during and "speech.ready" not in during
        supabase_storage.come_back()

        async def completed() -> bool:
            view = await store.load_view(job_id)
            return view is not None and view.status in ("completed", "failed")

        await until(completed, 60, "the job did not finish after the outage")
        view = await store.load_view(job_id)
        assert view is not None and view.status == "completed", view

    # Each step once, no failure, and no delivery charged for the outage.
    assert event_counts(database_url, str(job_id)) == expected_counts(["fr"])
    for stage in ("transcriber", "translator", "synthesizer", "mixer"):
        info = await bus.js.consumer_info(bus.stream, stage)
        assert info.num_redelivered == 0, (stage, info)
    assert _sample("redub_stage_redeliveries_total", "synthesizer") == redelivered_before
    assert _sample("redub_stage_outage_retries_total", "synthesizer") > retries_before

    # Each line paid for once: the ones in flight as the store went down were kept.
    spoken = collections.Counter(json.loads(c.body)["text"] for c in fake_vendors.calls("speak"))
    assert len(spoken) == LINES and set(spoken.values()) == {1}, spoken
    assert len(fake_vendors.calls("listen")) == 1
    # Billed at most once: the try that stored a kept clip bills it.
    [speech] = [e for e in await store.read_stream(job_id) if e.type == "speech.ready"]
    usage = [Usage.model_validate(u) for u in speech.payload.model_dump()["usage"]]
    characters = sum((u.quantity for u in usage), Decimal(0))
    assert 0 < characters <= sum(len(text) for text in spoken)


async def test_a_refused_signed_url_fails_the_work_at_once_with_its_reason(
    servers: tuple[PostgresEventStore, JetStreamBus],
    database_url: str,
    nats_url: str,
    stream_prefix: str,
    tmp_path: Path,
    scratch: Path,
) -> None:
    store, bus = servers
    async with gateway(database_url, nats_url, stream_prefix, tmp_path / "gw") as gw:
        s = gw.settings
        assert s.blob_url_secret
        served = LocalBlobStore(
            s.blob_root, secret=s.blob_url_secret.encode(), base_url=s.blob_base_url
        )
        job = await submission(served, tmp_path, languages=("fr",))
        # This stage signs with another secret than the gateway's: every URL is refused.
        wrong = LocalBlobStore(
            tmp_path / "stage", secret=b"not-the-secret", base_url=s.blob_base_url
        )
        blobs = SignedFetchBlobStore(
            wrong, httpx.AsyncClient(transport=gw.transport), limit=1 << 30
        )
        fake_stt = Transcriber(
            DeepgramSpeechToText(session("deepgram", "http://127.0.0.1:9")), blobs
        )
        started = time.monotonic()
        try:
            async with running([fake_stt], store, bus):
                job_id = await submit(store, bus, job)

                async def failed() -> bool:
                    view = await store.load_view(job_id)
                    return view is not None and view.status == "failed"

                await until(failed, 10, "a refused URL must fail, not wait")
        finally:
            await blobs.close()
    took = time.monotonic() - started
    assert took < CONFIG.ack_wait_s * CONFIG.max_deliver + 3, took
    [f] = [e for e in await store.read_stream(job_id) if e.type == "stage.failed"]
    reason = f.payload.model_dump()["reason"]
    assert "refused this stage's signed URL (HTTP 403" in reason, reason
    assert "signing secret or clock" in reason
    assert f.payload.model_dump()["attempts"] == 1, "failed at once, not after the deliveries"
