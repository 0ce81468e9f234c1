"""One test suite every EventStore backend must pass (subclass it and give a `store` fixture)."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from libs.events.catalogue import ArtifactsPurged, DeletionRequested, StageFailed
from libs.events.commit import Commit, ConcurrencyError
from libs.events.envelope import NewEvent, utcnow
from libs.events.job_view import StreamError
from libs.events.store import EventStore
from tests.support.builders import dub, new_job, speech, step, transcript, translation


class StoreContract:
    """Behaviour shared by the in-memory and PostgreSQL stores."""

    async def test_first_event_opens_stream_and_view(self, store: EventStore) -> None:
        commit = new_job(("fr", "de"))
        [recorded] = await store.append([commit])
        assert recorded is not None and [e.seq for e in recorded] == [1]
        view = await store.load_view(commit.job_id)
        assert view is not None
        assert view.status == "submitted" and view.version == 1
        assert {t.language: t.status for t in view.tasks.values()} == {
            "fr": "pending",
            "de": "pending",
        }

    async def test_views_load_in_one_read_and_unknown_jobs_are_left_out(
        self, store: EventStore
    ) -> None:
        a, b = new_job(("fr",)), new_job(("de",))
        await store.append([a, b])
        ghost = uuid4()
        views = await store.load_views([a.job_id, ghost, b.job_id, a.job_id])
        assert set(views) == {a.job_id, b.job_id}
        assert views[a.job_id] == await store.load_view(a.job_id)
        assert set(views[b.job_id].tasks) == {"de"}
        assert await store.load_views([]) == {}

    async def test_stale_expected_version_fails_and_writes_nothing(self, store: EventStore) -> None:
        commit = new_job()
        await store.append([commit])
        with pytest.raises(ConcurrencyError):
            await store.append([step(commit.job_id, transcript(), expected_version=0)])
        assert [e.seq for e in await store.read_stream(commit.job_id)] == [1]
        ok = await store.append([step(commit.job_id, transcript(), expected_version=1)])
        assert ok[0] is not None and ok[0][0].seq == 2

    async def test_two_writers_opening_one_stream_one_wins(self, store: EventStore) -> None:
        commit = new_job()
        rival = step(commit.job_id, commit.events[0].payload, expected_version=0)
        results = await asyncio.gather(
            store.append([commit]), store.append([rival]), return_exceptions=True
        )
        assert sorted(type(r).__name__ for r in results) == ["ConcurrencyError", "list"]
        assert len(await store.read_stream(commit.job_id)) == 1

    async def test_committed_names_only_events_in_the_log(self, store: EventStore) -> None:
        commit = new_job()
        [recorded] = await store.append([commit])
        assert recorded is not None
        forged = uuid4()
        assert await store.committed([recorded[0].event_id, forged]) == {recorded[0].event_id}
        assert await store.committed([]) == set()

    async def test_same_causing_event_appends_once(self, store: EventStore) -> None:
        commit = new_job()
        await store.append([commit])
        first = await store.append([step(commit.job_id, transcript(), "transcriber", "e1:")])
        again = await store.append([step(commit.job_id, transcript(), "transcriber", "e1:")])
        assert first[0] is not None and again == [None]
        assert len(await store.read_stream(commit.job_id)) == 2
        other = await store.append([step(commit.job_id, translation("fr"), "translator", "e1:")])
        assert other[0] is not None, "the key is per consumer"

    async def test_duplicate_keys_inside_one_batch(self, store: EventStore) -> None:
        commit = new_job()
        await store.append([commit])
        twice = [step(commit.job_id, transcript(), "transcriber", "k") for _ in range(2)]
        results = await store.append(twice)
        assert [r is not None for r in results] == [True, False]

    async def test_replicas_racing_on_one_message_append_once(self, store: EventStore) -> None:
        commit = new_job(("fr", "de"))
        await store.append([commit])
        keys = [("e1:fr", "e1:de"), ("e1:de", "e1:fr")]  # opposite orders must not deadlock
        races = [
            store.append([step(commit.job_id, translation(k[3:]), "translator", k) for k in ks])
            for ks in keys * 4
        ]
        results = await asyncio.gather(*races)
        applied = [r for batch in results for r in batch if r is not None]
        assert len(applied) == 2
        types = [e.type for e in await store.read_stream(commit.job_id)]
        assert types.count("translation.ready") == 2

    async def test_last_language_completes_job_exactly_once(self, store: EventStore) -> None:
        commit = new_job(("fr", "de"))
        job = commit.job_id
        await store.append([commit, step(job, transcript())])
        for lang in ("fr", "de"):
            await store.append([step(job, translation(lang)), step(job, speech(lang))])
        # Both languages finish in one batch: the policy must still see both.
        await store.append([step(job, dub("fr")), step(job, dub("de"))])
        types = [e.type for e in await store.read_stream(job)]
        assert types.count("job.completed") == 1 and types[-1] == "job.completed"
        view = await store.load_view(job)
        assert view is not None and view.status == "completed"
        assert len(view.artifacts) == 10
        assert all(t.mixed_at is not None for t in view.tasks.values())

    async def test_language_failure_then_partial_completion(self, store: EventStore) -> None:
        commit = new_job(("fr", "de"))
        job = commit.job_id
        await store.append([commit, step(job, transcript())])
        failed = StageFailed(stage="translator", language="de", reason="boom", attempts=3)
        await store.append([step(job, failed)])
        view = await store.load_view(job)
        assert view is not None and view.tasks["de"].status == "failed"
        assert view.tasks["de"].failure_reason == "boom" and view.status == "transcribed"
        await store.append(
            [step(job, translation("fr")), step(job, speech("fr")), step(job, dub("fr"))]
        )
        stream = await store.read_stream(job)
        completed = [e for e in stream if e.type == "job.completed"]
        assert len(completed) == 1
        assert completed[0].payload.model_dump()["failed_languages"] == ["de"]

    async def test_job_level_stage_failure_fails_job(self, store: EventStore) -> None:
        commit = new_job()
        await store.append([commit])
        await store.append(
            [step(commit.job_id, StageFailed(stage="transcriber", reason="x", attempts=5))]
        )
        view = await store.load_view(commit.job_id)
        assert view is not None and view.status == "failed"
        assert view.failure is not None and view.failure.stage == "transcriber"
        follow_up = (await store.read_stream(commit.job_id))[-1]
        assert follow_up.type == "job.failed"
        assert follow_up.causation_id == (await store.read_stream(commit.job_id))[-2].event_id

    async def test_event_before_submission_is_refused_with_whole_batch(
        self, store: EventStore
    ) -> None:
        good = new_job()
        with pytest.raises(StreamError):
            await store.append([good, step(uuid4(), transcript())])
        assert await store.load_view(good.job_id) is None
        assert await store.read_all() == []

    async def test_positions_are_contiguous_under_concurrent_appends(
        self, store: EventStore
    ) -> None:
        commits = [new_job() for _ in range(20)]
        await asyncio.gather(*(store.append([c]) for c in commits))
        await asyncio.gather(*(store.append([step(c.job_id, transcript())]) for c in commits))
        events = await store.read_all(limit=1000)
        assert [e.position for e in events] == list(range(1, 41))
        for c in commits:
            assert [e.seq for e in await store.read_stream(c.job_id)] == [1, 2]

    async def test_outbox_holds_committed_until_published(self, store: EventStore) -> None:
        commit = new_job()
        [recorded] = await store.append([commit])
        assert recorded is not None
        pending = await store.unpublished(older_than_s=0)
        assert [e.event_id for e in pending] == [recorded[0].event_id]
        await store.mark_published([recorded[0].position])
        assert await store.unpublished(older_than_s=0) == []

    async def test_outbox_grace_hides_fresh_commits(self, store: EventStore) -> None:
        await store.append([new_job()])
        assert await store.unpublished(older_than_s=60) == []

    async def test_jobs_past_retention_are_finished_and_due(self, store: EventStore) -> None:
        done, running = new_job(), new_job()
        await store.append([done, running])
        await store.append(
            [step(done.job_id, StageFailed(stage="transcriber", reason="x", attempts=1))]
        )
        found = await store.jobs_past_retention(utcnow() + timedelta(hours=48, seconds=5))
        assert [v.job_id for v in found] == [done.job_id]
        assert await store.jobs_past_retention(utcnow() + timedelta(hours=47)) == []

    async def test_unpurged_job_is_due_again_an_hour_after_its_request(
        self, store: EventStore
    ) -> None:
        job = new_job()
        await store.append([job])
        await store.append(
            [step(job.job_id, StageFailed(stage="transcriber", reason="x", attempts=1))]
        )
        asked = utcnow() + timedelta(hours=49)
        request = NewEvent(
            job_id=job.job_id,
            payload=DeletionRequested(reason="retention"),
            correlation_id=job.job_id,
            occurred_at=asked,
        )
        await store.append([Commit(job.job_id, [request])])
        assert await store.jobs_past_retention(asked + timedelta(minutes=59)) == []
        [again] = await store.jobs_past_retention(asked + timedelta(minutes=61))
        assert again.deletion_requests == 1
        await store.append([step(job.job_id, ArtifactsPurged(keys=[], bytes=0))])
        assert await store.jobs_past_retention(asked + timedelta(days=30)) == []
