"""The transcriber's handler on a temporary blob store with the instant speech-to-text."""

import wave
from pathlib import Path
from uuid import uuid4

import numpy as np
import pytest

from libs.documents.transcript import Segment, Transcript
from libs.events.catalogue import BlobRef, JobBrief, JobSubmitted, StageFailed, TranscriptReady
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from libs.events.outage import Outage
from libs.events.runner import RunnerConfig, StageRunner
from libs.events.stage import PermanentError
from libs.storage.keys import job_prefix
from libs.storage.local_store import LocalBlobStore
from libs.transcription.errors import UnsupportedLanguage
from libs.transcription.instant_stt import InstantSpeechToText
from libs.transcription.provider import Transcription
from services.transcriber.handler import Transcriber, with_pitches
from tests.support.builders import USER, recorded
from tests.support.stages import (
    STEM_SECONDS,
    all_keys,
    attempt,
    blob_store,
    only,
    prefix_of,
    stored,
    submission,
    transcriber,
)

FAST = RunnerConfig(max_deliver=3, backoff_base_s=0.01, backoff_max_s=0.02, fetch_timeout_s=0.05)


class EnglishOnly(InstantSpeechToText):
    """The instant provider with a model for English only, as pocketsphinx has."""

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        if language != "en":
            raise UnsupportedLanguage(self.name, language, ("en",))
        return await super().transcribe(audio, language)


async def test_transcribes_the_voice_stem_and_carries_the_brief_forward(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    job = await submission(blobs, tmp_path, languages=("fr", "de"))
    event = recorded(job)
    stage = transcriber(blobs)
    work = attempt(event)

    [ready] = await stage.handle(job, work)

    assert isinstance(ready, TranscriptReady)
    assert ready.transcript.key.startswith(prefix_of(stage, work))
    assert ready.transcript.content_type == "application/json"
    doc = Transcript.from_json(await stored(blobs, ready.transcript))
    assert doc.language == "en"
    assert doc.duration_s == pytest.approx(STEM_SECONDS)
    assert [(s.start, s.end) for s in doc.segments] == [(0, 3), (3, 6), (6, 7)]
    assert ready.segments == len(doc.segments) == 3
    assert ready.duration_s == pytest.approx(STEM_SECONDS)
    assert ready.target_languages == ["fr", "de"]
    assert ready.provider == "instant"
    [usage] = ready.usage
    assert usage.unit == "audio_seconds"
    assert float(usage.quantity) == pytest.approx(STEM_SECONDS)
    assert ready.brief == JobBrief(
        job_id=event.job_id,
        source_language="en",
        background=job.background,
        voice=job.voice,
        transcript=ready.transcript,
    )


async def test_each_attempt_writes_its_own_keys_and_discards_only_its_own(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    job = await submission(blobs, tmp_path)
    event = recorded(job)
    stage = transcriber(blobs)
    first, second = attempt(event, number=1), attempt(event, number=2)

    one = only(await stage.handle(job, first), TranscriptReady)
    first_bytes = await stored(blobs, one.transcript)
    two = only(await stage.handle(job, second), TranscriptReady)

    assert one.transcript.key != two.transcript.key
    assert two.transcript.key.startswith(prefix_of(stage, second))
    assert await stored(blobs, one.transcript) == first_bytes, "the first blob is untouched"

    before = await all_keys(blobs)
    await stage.discard(first)
    after = await all_keys(blobs)
    assert before - after == {one.transcript.key}
    assert {job.voice.blob.key, job.background.blob.key, two.transcript.key} <= after
    await stored(blobs, two.transcript)


async def test_a_missing_voice_stem_fails_permanently_and_writes_nothing(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    job = await submission(blobs, tmp_path)
    await blobs.delete(job.voice.blob.key)
    event = recorded(job)

    with pytest.raises(PermanentError, match="voice stem this work needs is missing"):
        await transcriber(blobs).handle(job, attempt(event))
    assert await all_keys(blobs, job_prefix(event.job_id)) == set()


async def test_an_unsupported_source_language_fails_permanently(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    job = await submission(blobs, tmp_path, source_language="xx")
    event = recorded(job)

    with pytest.raises(PermanentError, match="'xx'"):
        await Transcriber(EnglishOnly(), blobs).handle(job, attempt(event))
    assert await all_keys(blobs, job_prefix(event.job_id)) == set()


async def _submitted_and_published(
    store: MemoryEventStore, bus: MemoryBus, job_submission: JobSubmitted
) -> NewEvent:
    job_id = uuid4()
    event = NewEvent(job_id=job_id, payload=job_submission, correlation_id=job_id, user_id=USER)
    [records] = await store.append([Commit(job_id, [event], expected_version=0)])
    assert records is not None
    await bus.publish(records)
    return event


async def test_through_the_runner_the_transcript_is_appended_and_the_message_acked(
    tmp_path: Path,
) -> None:
    store, bus, blobs = MemoryEventStore(), MemoryBus(), blob_store(tmp_path)
    job = await submission(blobs, tmp_path)
    submitted = await _submitted_and_published(store, bus, job)
    runner = StageRunner(transcriber(blobs), store, bus, FAST)
    [delivery] = await (await bus.subscribe(runner.spec)).fetch(1, 0.1)

    await runner.handle_delivery(delivery)

    stream = await store.read_stream(submitted.job_id)
    assert [e.type for e in stream] == ["job.submitted", "transcript.ready"]
    ready = stream[1]
    assert ready.causation_id == submitted.event_id
    assert isinstance(ready.payload, TranscriptReady)
    await stored(blobs, ready.payload.transcript)
    assert bus.unsettled("transcriber") == 0, "acked"
    assert bus.terminated("transcriber") == []
    assert ready.event_id in {e.event_id for e in bus._log}, "published"
    view = await store.load_view(submitted.job_id)
    assert view is not None and view.status == "transcribed"
    # The only blob under the job is the one the committed event names.
    assert await all_keys(blobs, job_prefix(submitted.job_id)) == {ready.payload.transcript.key}


async def test_through_the_runner_a_missing_stem_is_one_failure_event_at_once(
    tmp_path: Path,
) -> None:
    store, bus, blobs = MemoryEventStore(), MemoryBus(), blob_store(tmp_path)
    job = await submission(blobs, tmp_path)
    await blobs.delete(job.voice.blob.key)
    submitted = await _submitted_and_published(store, bus, job)
    runner = StageRunner(transcriber(blobs), store, bus, FAST)
    [delivery] = await (await bus.subscribe(runner.spec)).fetch(1, 0.1)

    await runner.handle_delivery(delivery)

    stream = await store.read_stream(submitted.job_id)
    failures = [e.payload for e in stream if isinstance(e.payload, StageFailed)]
    assert len(failures) == 1
    [failed] = failures
    assert failed.stage == "transcriber" and failed.attempts == 1
    assert "voice stem this work needs is missing" in failed.reason
    assert "transcript.ready" not in [e.type for e in stream]
    assert bus.unsettled("transcriber") == 0, "settled on the first delivery, not retried"


async def test_each_segment_gets_the_pitch_of_its_voice_when_asked(tmp_path: Path) -> None:
    rate, t = 16_000, np.arange(16_000) / 16_000
    low, high = (0.3 * np.sin(2 * np.pi * hz * t) for hz in (110.0, 210.0))
    path = tmp_path / "two-voices.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.concatenate([low, high]) * 32767).astype("<i2").tobytes())
    transcript = Transcript(
        language="en",
        duration_s=2.0,
        segments=[
            Segment(index=0, start=0.0, end=1.0, text="low"),
            Segment(index=1, start=1.0, end=2.0, text="high"),
        ],
    )
    pitched = await with_pitches(path, transcript)
    assert [s.pitch_hz for s in pitched.segments] == [
        pytest.approx(110.0, rel=0.02),
        pytest.approx(210.0, rel=0.02),
    ]
    assert [s.text for s in pitched.segments] == ["low", "high"]


async def test_a_silent_voice_has_no_pitch_and_pitch_is_measured_only_when_asked(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    job = await submission(blobs, tmp_path)
    event = recorded(job)
    measuring = Transcriber(InstantSpeechToText(), blobs, measure_pitch=True)
    [ready] = await measuring.handle(job, attempt(event))
    assert isinstance(ready, TranscriptReady)
    doc = Transcript.from_json(await stored(blobs, ready.transcript))
    assert doc.segments and all(s.pitch_hz is None for s in doc.segments)


class Counting(InstantSpeechToText):
    """The instant provider, counting what it was paid for."""

    def __init__(self) -> None:
        super().__init__()
        self.paid = 0

    async def transcribe(self, audio: Path, language: str) -> Transcription:
        self.paid += 1
        return await super().transcribe(audio, language)


class DownForWrites(LocalBlobStore):
    """A store that answers reads but whose writes meet an outage while `down` is set."""

    down = False

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        if self.down:
            raise Outage("storage answered 503")
        return await super().put_bytes(key, data, content_type)


async def test_a_transcript_the_store_could_not_take_is_stored_by_the_next_try_unpaid(
    tmp_path: Path,
) -> None:
    blobs = DownForWrites(tmp_path / "blobs", secret=None, base_url="http://blobs.test")
    job = await submission(blobs, tmp_path, languages=("fr",))
    event = recorded(job)
    stt = Counting()
    stage = Transcriber(stt, blobs)
    blobs.down = True
    with pytest.raises(Outage):
        await stage.handle(job, attempt(event))
    blobs.down = False
    [ready] = await stage.handle(job, attempt(event))
    assert stt.paid == 1, "the paid transcript was kept, not made again"
    assert isinstance(ready, TranscriptReady)
    [usage] = ready.usage
    assert usage.quantity > 0, (
        "billed by the try that stored it: the one that paid committed nothing"
    )
    Transcript.from_json(await stored(blobs, ready.transcript))
    # Kept for the next try only: a later redelivery is the cache's business, not this one's.
    await stage.handle(job, attempt(event))
    assert stt.paid == 2
