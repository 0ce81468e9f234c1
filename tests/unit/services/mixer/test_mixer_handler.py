"""The mixer's handler on a temporary blob store with the instant mix engine."""

import json
from pathlib import Path

import pytest

from libs.documents.speech_index import SpeechIndex
from libs.documents.transcript import Transcript
from libs.events.catalogue import DubReady, JobOptions, JobSubmitted, SpeechReady, StageFailed
from libs.events.commit import Commit
from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.memory_bus import MemoryBus
from libs.events.memory_store import MemoryEventStore
from libs.events.runner import RunnerConfig, StageRunner
from libs.events.stage import PermanentError
from libs.storage.keys import job_prefix
from tests.support.builders import USER, new_job, recorded, speech, step, transcript, translation
from tests.support.stages import (
    Chain,
    all_keys,
    attempt,
    blob_store,
    chain,
    mixer,
    only,
    prefix_of,
    stored,
)

FAST = RunnerConfig(max_deliver=3, backoff_base_s=0.01, backoff_max_s=0.02, fetch_timeout_s=0.05)
KINDS = [
    "mix",
    "mix_aac",
    "voice",
    "voice_aac",
    "srt",
    "vtt",
    "transcript",
    "source_srt",
    "source_vtt",
    "translation",
    "timeline_png",
    "timeline_svg",
    "manifest",
]


async def test_publishes_mix_voice_captions_and_manifest_with_the_jobs_facts(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    ready = done.speech
    stage = mixer(blobs)
    work = attempt(recorded(ready, job_id=done.job_id))

    [out] = await stage.handle(ready, work)

    assert isinstance(out, DubReady)
    assert out.language == "fr"
    assert [a.kind for a in out.artifacts] == KINDS
    prefix = prefix_of(stage, work)
    contents = {}
    for a in out.artifacts:
        if a.kind == "transcript":
            # The source transcript is published as the transcriber stored it.
            assert ready.brief is not None and a.blob == ready.brief.transcript
        else:
            assert a.blob.key.startswith(f"{prefix}fr/")
        contents[a.kind] = await stored(blobs, a.blob)
    assert contents["timeline_png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert contents["timeline_svg"].startswith(b"<svg")
    assert contents["mix"][:4] == b"RIFF" and contents["voice"][:4] == b"RIFF"
    translated = Transcript.from_json(await blobs.read_bytes(done.translation.translation.key))
    for kind in ("srt", "vtt"):
        # Captions wrap long lines: compare the words, not the line breaks.
        text = " ".join(contents[kind].decode().split())
        assert all(" ".join(s.text.split()) in text for s in translated.segments), kind
    assert contents["vtt"].startswith(b"WEBVTT")

    manifest = json.loads(contents["manifest"])
    assert manifest["schema_version"] == 2
    assert manifest["job_id"] == str(done.job_id)
    assert manifest["source_language"] == "en"
    assert manifest["language"] == "fr"
    assert manifest["mix_engine"] == "instant"
    assert manifest["loudness"]["target_lufs"] == -23.0
    assert manifest["loudness"]["target_true_peak_dbtp"] == -1.0
    index = SpeechIndex.model_validate_json(await blobs.read_bytes(ready.speech.key))
    lines = manifest["lines"]
    assert [line["index"] for line in lines] == [c.index for c in index.clips]
    for line, clip in zip(lines, index.clips, strict=True):
        assert (line["original_start"], line["original_end"]) == (clip.start, clip.end)
        assert line["dubbed_start"] >= clip.start and line["stretch_ratio"] >= 1.0
        # Which voice spoke which line, as the synthesizer cast it.
        assert line["voice"] is not None and line["voice"] == clip.voice
        assert line["speaker"] == clip.speaker
    # Every step's provider, carried forward from the events that named them.
    assert manifest["providers"] == {
        "stt": done.transcript.provider,
        "translator": done.translation.provider,
        "tts": done.speech.provider,
    }
    assert None not in manifest["providers"].values()
    listed = {m["kind"]: m for m in manifest["artifacts"]}
    assert sorted(listed) == sorted(KINDS[:-1])
    for a in out.artifacts[:-1]:
        assert listed[a.kind]["sha256"] == a.blob.sha256
        assert listed[a.kind]["size"] == a.blob.size
        assert listed[a.kind]["file"] == a.blob.key.rsplit("/", 1)[-1]


async def test_each_attempt_writes_its_own_keys_and_discards_only_its_own(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    ready = done.speech
    event = recorded(ready, job_id=done.job_id)
    stage = mixer(blobs)
    first, second = attempt(event, number=1), attempt(event, number=2)

    one = only(await stage.handle(ready, first), DubReady)
    # All but the source transcript, which is the transcriber's blob, published as is.
    first_objects = {
        a.blob.key: await stored(blobs, a.blob) for a in one.artifacts if a.kind != "transcript"
    }
    two = only(await stage.handle(ready, second), DubReady)

    assert not set(first_objects) & {a.blob.key for a in two.artifacts if a.kind != "transcript"}
    assert {k: await blobs.read_bytes(k) for k in first_objects} == first_objects

    before = await all_keys(blobs)
    await stage.discard(first)
    after = await all_keys(blobs)
    assert before - after == set(first_objects)
    for a in two.artifacts:
        await stored(blobs, a.blob)
    # Inputs of the mix (stems, clips, index, translation) are not the mixer's to remove.
    assert done.speech.speech.key in after
    assert done.submitted.background.blob.key in after


async def test_a_speech_ready_without_a_brief_fails_permanently_with_a_clear_reason(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    version_one = done.speech.model_copy(update={"brief": None})

    with pytest.raises(PermanentError, match="background stem") as caught:
        await mixer(blobs).handle(version_one, attempt(recorded(version_one, job_id=done.job_id)))
    assert "schema version 2" in str(caught.value)
    assert await all_keys(blobs, job_prefix(done.job_id) + "mixer/") == set()


async def test_a_brief_without_the_voice_stem_fails_permanently_with_a_clear_reason(
    tmp_path: Path,
) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    assert done.speech.brief is not None and done.speech.brief.voice is not None
    older = done.speech.model_copy(
        update={"brief": done.speech.brief.model_copy(update={"voice": None})}
    )

    with pytest.raises(PermanentError, match="voice stem") as caught:
        await mixer(blobs).handle(older, attempt(recorded(older, job_id=done.job_id)))
    assert "submit the job again" in str(caught.value)
    assert await all_keys(blobs, job_prefix(done.job_id) + "mixer/") == set()


async def test_the_jobs_own_loudness_target_is_the_mixs(tmp_path: Path) -> None:
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    assert done.speech.brief is not None
    brief = done.speech.brief.model_copy(update={"options": JobOptions(loudness_target_lufs=-16.0)})
    ready = done.speech.model_copy(update={"brief": brief})

    out = only(
        await mixer(blobs).handle(ready, attempt(recorded(ready, job_id=done.job_id))), DubReady
    )

    [manifest] = [a for a in out.artifacts if a.kind == "manifest"]
    assert json.loads(await stored(blobs, manifest.blob))["loudness"]["target_lufs"] == -16.0


async def test_a_missing_background_fails_at_once(tmp_path: Path) -> None:
    # A blob a committed event names never comes back: retrying cannot help.
    blobs = blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    await blobs.delete(done.submitted.background.blob.key)
    ready = done.speech

    with pytest.raises(PermanentError) as caught:
        await mixer(blobs).handle(ready, attempt(recorded(ready, job_id=done.job_id)))
    assert "background stem" in str(caught.value) and "missing" in str(caught.value)
    assert await all_keys(blobs, job_prefix(done.job_id) + "mixer/") == set()


async def logged(store: MemoryEventStore, done: Chain) -> list[RecordedEvent]:
    """The chain's events appended to the log, in order, as the stages would have."""
    job = done.job_id
    first = NewEvent(job_id=job, payload=done.submitted, correlation_id=job, user_id=USER)
    records = [await store.append([Commit(job, [first], expected_version=0)])]
    for payload in (done.transcript, done.translation, done.speech):
        records.append(await store.append([step(job, payload)]))
    return [e for [r] in records for e in r or ()]


async def test_through_the_runner_the_dub_is_appended_and_the_message_acked(
    tmp_path: Path,
) -> None:
    store, bus, blobs = MemoryEventStore(), MemoryBus(), blob_store(tmp_path)
    done = await chain(blobs, tmp_path, until="synthesizer")
    events = await logged(store, done)
    speech_event = events[-1]
    await bus.publish([speech_event])
    runner = StageRunner(mixer(blobs), store, bus, FAST)
    [delivery] = await (await bus.subscribe(runner.spec)).fetch(1, 0.1)

    await runner.handle_delivery(delivery)

    stream = await store.read_stream(done.job_id)
    assert [e.type for e in stream][-1] == "dub.ready"
    dub = stream[-1]
    assert dub.causation_id == speech_event.event_id
    assert isinstance(dub.payload, DubReady)
    for a in dub.payload.artifacts:
        await stored(blobs, a.blob)
    assert bus.unsettled("mixer") == 0, "acked"
    view = await store.load_view(done.job_id)
    assert view is not None and view.tasks["fr"].status == "dubbed"
    assert {a.key for a in view.artifacts} == {a.blob.key for a in dub.payload.artifacts}


async def test_through_the_runner_a_version_one_speech_ready_fails_at_once(
    tmp_path: Path,
) -> None:
    store, bus, blobs = MemoryEventStore(), MemoryBus(), blob_store(tmp_path)
    job = new_job(("fr",))
    assert isinstance(job.events[0].payload, JobSubmitted)
    await store.append([job])
    await store.append([step(job.job_id, transcript(("fr",)))])
    await store.append([step(job.job_id, translation("fr"))])
    old = speech("fr")
    assert isinstance(old, SpeechReady) and old.brief is None
    [records] = await store.append([step(job.job_id, old)])
    assert records is not None
    await bus.publish(records)
    runner = StageRunner(mixer(blobs), store, bus, FAST)
    [delivery] = await (await bus.subscribe(runner.spec)).fetch(1, 0.1)

    await runner.handle_delivery(delivery)

    stream = await store.read_stream(job.job_id)
    failures = [e.payload for e in stream if isinstance(e.payload, StageFailed)]
    assert len(failures) == 1
    [failed] = failures
    assert failed.stage == "mixer" and failed.language == "fr" and failed.attempts == 1
    assert "background stem" in failed.reason
    assert "predates schema version 2" in failed.reason
    assert "dub.ready" not in [e.type for e in stream]
    assert bus.unsettled("mixer") == 0, "settled on the first delivery, not retried"
    assert await all_keys(blobs) == set()
