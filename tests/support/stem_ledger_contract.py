"""The stem ledger contract, run against every adapter (memory, PostgreSQL)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

from libs.events.catalogue import ArtifactsPurged, BlobRef, JobFailed, JobSubmitted, Stem
from libs.events.commit import Commit
from libs.events.envelope import NewEvent, utcnow
from libs.events.store import EventStore
from libs.storage.keys import upload_key
from services.janitor.stem_ledger import StemLedger
from tests.support.builders import USER, step


@dataclass
class LedgerWorld:
    """A store, the adapter under test, and a way to record an upload `age_h` hours old."""

    store: EventStore
    ledger: StemLedger
    add_upload: Callable[[str, float], Awaitable[UUID]]


def _stem(key: str) -> Stem:
    ref = BlobRef(key=key, size=10, sha256="0" * 64, content_type="audio/wav")
    return Stem(upload_id=uuid4(), blob=ref, duration_s=1.0)


async def _job(store: EventStore, voice: str, bed: str, finished: bool = True) -> UUID:
    job = uuid4()
    payloads = [
        JobSubmitted(
            user_id=USER,
            source_language="en",
            target_languages=["fr"],
            voice=_stem(voice),
            background=_stem(bed),
            retention_hours=48,
        )
    ]
    if finished:
        payloads.append(JobFailed(stage="mixer", reason="x"))
    events = [NewEvent(job_id=job, payload=p, correlation_id=job) for p in payloads]
    await store.append([Commit(job, events, expected_version=0)])
    return job


async def _purged(store: EventStore, job: UUID) -> None:
    await store.append([step(job, ArtifactsPurged(keys=[], bytes=0))])


def _key() -> str:
    return upload_key(USER, uuid4())


class StemLedgerContract:
    """Subclasses provide a `world` fixture (a `LedgerWorld`)."""

    async def test_a_stem_another_live_job_names_is_kept_until_that_job_is_purged(
        self, world: LedgerWorld
    ) -> None:
        shared, a_bed, b_bed = _key(), _key(), _key()
        await world.add_upload(shared, 100)
        a = await _job(world.store, shared, a_bed)
        b = await _job(world.store, shared, b_bed, finished=False)
        keys = [shared, a_bed]
        assert await world.ledger.needed_elsewhere(a, keys) == {shared}
        assert await world.ledger.release(a, keys) == {a_bed}
        assert await world.ledger.stale(utcnow()) == [], "b still needs the shared stem"
        await _purged(world.store, a)
        assert await world.ledger.release(b, [shared, b_bed]) == {shared, b_bed}
        assert await world.ledger.stale(utcnow() + timedelta(days=9)) == [], "marked purged"

    async def test_stale_uploads_are_old_unused_ones_and_those_of_purged_jobs(
        self, world: LedgerWorld
    ) -> None:
        old, new, of_purged, of_live = _key(), _key(), _key(), _key()
        ids = {
            k: await world.add_upload(k, h)
            for k, h in ((old, 30), (new, 1), (of_purged, 1), (of_live, 30))
        }
        gone = await _job(world.store, of_purged, _key())
        await _job(world.store, of_live, _key(), finished=False)
        await _purged(world.store, gone)
        stale = await world.ledger.stale(utcnow() - timedelta(hours=24))
        assert {s.upload_id: s.used for s in stale} == {ids[old]: False, ids[of_purged]: True}
        assert [s.upload_id for s in stale] == [ids[old], ids[of_purged]], "oldest first"

    async def test_purge_stale_deletes_marks_and_is_done_once(self, world: LedgerWorld) -> None:
        keys = [_key() for _ in range(3)]
        for k in keys:
            await world.add_upload(k, 30)
        deleted: list[str] = []

        async def delete(key: str) -> int:
            deleted.append(key)
            return 10

        purged = await world.ledger.purge_stale(utcnow() - timedelta(hours=24), delete)
        assert sorted(u.key for u in purged) == sorted(deleted) == sorted(keys)
        assert await world.ledger.purge_stale(utcnow() - timedelta(hours=24), delete) == []
        assert len(deleted) == 3
