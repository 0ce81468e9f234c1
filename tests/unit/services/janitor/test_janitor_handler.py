"""The janitor's purge on a temporary blob store and the in-memory event store."""

from pathlib import Path
from uuid import UUID, uuid4

from libs.events.catalogue import ArtifactsPurged, DeletionRequested
from libs.events.commit import Commit
from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.memory_store import MemoryEventStore
from libs.events.retention import purgeable
from libs.storage.blob_store import BlobStore
from libs.storage.keys import attempt_prefix, job_prefix
from services.janitor.handler import Janitor
from tests.support.builders import USER, recorded, step
from tests.support.stages import Chain, all_keys, attempt, blob_store, chain

REQUEST = DeletionRequested(reason="user", requested_by=USER)


async def request_for(store: MemoryEventStore, job_id: UUID) -> DeletionRequested:
    """A deletion request listing what the job's view names, as the sweep makes it."""
    view = await store.load_view(job_id)
    assert view is not None
    return DeletionRequested(reason="user", requested_by=USER, known=purgeable(view))


async def dubbed_job(store: MemoryEventStore, blobs: BlobStore, tmp_path: Path) -> Chain:
    """A job dubbed into French by the real handlers, its events in the log."""
    done = await chain(blobs, tmp_path)
    job = done.job_id
    first = NewEvent(job_id=job, payload=done.submitted, correlation_id=job, user_id=USER)
    await store.append([Commit(job, [first], expected_version=0)])
    for payload in (done.transcript, done.translation, done.speech, done.dub):
        await store.append([step(job, payload)])
    return done


async def purge(store: MemoryEventStore, blobs: BlobStore, done: Chain) -> ArtifactsPurged:
    """One deletion request handled, its result appended as the runner would."""
    payload = await request_for(store, done.job_id)
    [request] = await store.append([step(done.job_id, payload)])
    assert request is not None
    [out] = await Janitor(blobs).handle(payload, attempt(request[0]))
    assert isinstance(out, ArtifactsPurged)
    await store.append([step(done.job_id, out)])
    return out


async def test_purge_deletes_the_jobs_objects_and_stems_and_reports_them(tmp_path: Path) -> None:
    store, blobs = MemoryEventStore(), blob_store(tmp_path)
    done = await dubbed_job(store, blobs, tmp_path)
    other = await dubbed_job(store, blobs, tmp_path)
    # A failed attempt's leftover: not named by any event, still the job's.
    leftover = attempt_prefix(done.job_id, "translator", uuid4().hex[:16]) + "fr/translation.json"
    await blobs.put_bytes(leftover, b"{}", "application/json")
    stems = [done.submitted.voice.blob, done.submitted.background.blob]
    sizes = {o.key: o.size for o in await blobs.list(job_prefix(done.job_id))}
    sizes |= {s.key: s.size for s in stems}
    others_before = await all_keys(blobs, job_prefix(other.job_id))
    artifacts = {a.blob.key for a in done.dub.artifacts}
    assert artifacts | {leftover} <= set(sizes)

    out = await purge(store, blobs, done)

    assert out.keys == sorted(sizes)
    assert out.bytes == sum(sizes.values()) > 0
    assert await all_keys(blobs, job_prefix(done.job_id)) == set()
    remaining = await all_keys(blobs)
    assert not {s.key for s in stems} & remaining
    assert await all_keys(blobs, job_prefix(other.job_id)) == others_before
    assert {other.submitted.voice.blob.key, other.submitted.background.blob.key} <= remaining
    view = await store.load_view(done.job_id)
    assert view is not None and view.purged_at is not None
    assert all(a.purged_at is not None for a in view.artifacts)


async def test_a_second_purge_is_not_an_error_and_reports_no_artifact_again(
    tmp_path: Path,
) -> None:
    store, blobs = MemoryEventStore(), blob_store(tmp_path)
    done = await dubbed_job(store, blobs, tmp_path)
    other = await dubbed_job(store, blobs, tmp_path)
    await purge(store, blobs, done)
    left = await all_keys(blobs)

    again = await purge(store, blobs, done)

    assert await all_keys(blobs) == left, "nothing else is deleted"
    assert not {a.blob.key for a in done.dub.artifacts} & set(again.keys)
    assert again.bytes == 0 and again.keys == [], "the stems are not reported twice"
    assert await all_keys(blobs, job_prefix(other.job_id)) != set()


async def test_a_version_one_request_purges_the_jobs_prefix(tmp_path: Path) -> None:
    store, blobs = MemoryEventStore(), blob_store(tmp_path)
    done = await dubbed_job(store, blobs, tmp_path)
    under = await all_keys(blobs, job_prefix(done.job_id))
    old: RecordedEvent = recorded(REQUEST, job_id=done.job_id)
    [out] = await Janitor(blobs).handle(REQUEST, attempt(old))
    assert isinstance(out, ArtifactsPurged) and set(out.keys) == under
    assert await all_keys(blobs, job_prefix(done.job_id)) == set()


async def test_a_purge_is_one_work_item_with_nothing_to_discard(tmp_path: Path) -> None:
    store, blobs = MemoryEventStore(), blob_store(tmp_path)
    done = await dubbed_job(store, blobs, tmp_path)
    stage = Janitor(blobs)
    before = await all_keys(blobs)
    assert list(stage.work_items(REQUEST)) == [""]
    await stage.discard(attempt(recorded(REQUEST, job_id=done.job_id)))
    assert await all_keys(blobs) == before
