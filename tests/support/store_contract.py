"""One test suite every EventStore backend must pass (subclass it and give a `store` fixture)."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from libs.events.catalogue import ArtifactsPurged, DeletionRequested, JobCancelled, StageFailed
from libs.events.commit import Commit, ConcurrencyError, HandledKey
from libs.events.envelope import NewEvent, RecordedEvent, utcnow
from libs.events.job_view import StreamError, evolve
from libs.events.relay import relay_once
from libs.events.retention import past_retention, purge_due_at
from libs.events.store import EventStore
from tests.support.builders import dub, new_job, speech, step, transcript, translation
from tests.support.counting_bus import CountingBus
from tests.support.outbox_peek import pending


def recorded_as(new: NewEvent, position: int, seq: int) -> RecordedEvent:
    """`new` as the log would record it at `position`, `seq`."""
    return RecordedEvent(
        position=position,
        event_id=new.event_id,
        job_id=new.job_id,
        seq=seq,
        payload=new.payload,
        correlation_id=new.correlation_id,
        causation_id=new.causation_id,
        user_id=new.user_id,
        occurred_at=new.occurred_at,
        recorded_at=new.occurred_at,
    )


async def claim_and_publish(store: EventStore, bus: CountingBus, limit: int) -> int:
    """One relay pass of at most `limit` events."""
    async with store.outbox.claim(older_than_s=0, limit=limit) as events:
        await bus.publish(events)
    return len(events)


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

    async def test_a_batch_stores_what_it_is_given_and_nothing_more(
        self, store: EventStore
    ) -> None:
        # The job's rules run in JobLog: the adapter neither folds nor adds follow-ups.
        commit = new_job(("fr",))
        key = HandledKey("test", "k")
        async with store.log.batch([commit.job_id], [key]) as batch:
            assert batch.views == {} and batch.claimed == {key}
            first = recorded_as(commit.events[0], batch.last_position + 1, seq=1)
            fails = recorded_as(
                commit.events[0].caused(StageFailed(stage="x", reason="y", attempts=1)),
                batch.last_position + 2,
                seq=2,
            )
            view = evolve(evolve(None, first), fails)
            await batch.write([first, fails], [view])
        assert await store.read_stream(commit.job_id) == [first, fails], "no job.failed added"
        assert await store.load_view(commit.job_id) == view
        async with store.log.batch([commit.job_id], [key]) as batch:
            assert batch.claimed == frozenset() and batch.views == {commit.job_id: view}

    async def test_a_batch_ended_by_an_error_keeps_nothing(self, store: EventStore) -> None:
        commit = new_job()
        key = HandledKey("test", "k")
        with pytest.raises(RuntimeError):
            async with store.log.batch([commit.job_id], [key]) as batch:
                event = recorded_as(commit.events[0], batch.last_position + 1, seq=1)
                await batch.write([event], [evolve(None, event)])
                raise RuntimeError("the application changed its mind")
        assert await store.read_all() == [] and await store.load_view(commit.job_id) is None
        assert (await store.precheck([], [key])).handled == set(), "the claim went with the batch"

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
        first = recorded[0].event_id
        check = await store.precheck([first, forged], [])
        assert check.committed == {first} and check.handled == set()
        assert (await store.precheck([], [])).committed == set()
        await store.append([step(commit.job_id, transcript(), "transcriber", "e9:")])
        key, other = HandledKey("transcriber", "e9:"), HandledKey("translator", "e9:")
        assert (await store.precheck([], [key, other])).handled == {key}

    async def test_events_of_a_cancelled_job_are_named_as_such(self, store: EventStore) -> None:
        cancelled, running = new_job(), new_job()
        [first] = await store.append([cancelled])
        [other] = await store.append([running])
        assert first is not None and other is not None
        ids = [first[0].event_id, other[0].event_id]
        assert (await store.precheck(ids, [])).cancelled == set()
        await store.append([step(cancelled.job_id, JobCancelled())])
        assert (await store.precheck(ids, [])).cancelled == {first[0].event_id}
        view = await store.load_view(cancelled.job_id)
        assert view is not None and view.status == "cancelled"
        assert {t.status for t in view.tasks.values()} == {"cancelled"}

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
        assert [e.event_id for e in await pending(store.outbox)] == [recorded[0].event_id]
        await store.outbox.mark_published([recorded[0].position])
        assert await pending(store.outbox) == []

    async def test_outbox_grace_hides_fresh_commits(self, store: EventStore) -> None:
        await store.append([new_job()])
        async with store.outbox.claim(older_than_s=60) as events:
            assert events == []
        assert len(await pending(store.outbox)) == 1

    async def test_a_claim_ended_by_an_error_leaves_its_events(self, store: EventStore) -> None:
        await store.append([new_job(), new_job()])
        with pytest.raises(ConnectionError):
            async with store.outbox.claim(older_than_s=0) as events:
                assert len(events) == 2
                raise ConnectionError("the bus went away")
        assert len(await pending(store.outbox)) == 2
        async with store.outbox.claim(older_than_s=0) as events:
            assert len(events) == 2, "the next claim gets them"
        assert await pending(store.outbox) == [], "a clean claim drops them"

    async def test_two_relays_publish_each_orphaned_event_once(self, store: EventStore) -> None:
        commits = [new_job() for _ in range(6)]
        await store.append(commits)
        bus = CountingBus()  # slow publishes: both relays' claims overlap in time
        published = await asyncio.gather(*(relay_once(store.outbox, bus, 0) for _ in range(2)))
        assert sum(published) == 6, "what one relay claimed, the other skipped"
        assert sorted(bus.published.values()) == [1] * 6
        assert await relay_once(store.outbox, bus, 0) == 0

    async def test_relays_split_a_backlog_and_publish_it_once(self, store: EventStore) -> None:
        await store.append([new_job() for _ in range(9)])
        bus = CountingBus()

        async def drain() -> None:
            while await claim_and_publish(store, bus, limit=2):
                pass

        await asyncio.gather(drain(), drain(), drain())
        assert len(bus.published) == 9 and set(bus.published.values()) == {1}

    async def test_handled_keys_are_kept_for_the_horizon_then_forgotten(
        self, store: EventStore
    ) -> None:
        commit = new_job()
        await store.append([commit])
        key = step(commit.job_id, transcript(), "transcriber", "e1:")
        await store.append([key])
        assert key.handled is not None
        horizon = timedelta(days=30)
        assert await store.log.forget_handled(utcnow() - horizon) == 0
        assert await store.append([key]) == [None], "inside the horizon, still a duplicate"
        assert (await store.precheck([], [key.handled])).handled == {key.handled}
        later = utcnow() + horizon + timedelta(seconds=1)
        assert await store.log.forget_handled(later - horizon) == 1, "past it, the key goes"
        assert (await store.precheck([], [key.handled])).handled == set()

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

    async def test_jobs_past_retention_follow_the_one_rule_in_due_order(
        self, store: EventStore
    ) -> None:
        retentions = (1000.0, 48.0, 1.0, 24.0)
        jobs = [new_job(retention_hours=h) for h in retentions]
        running = new_job()
        await store.append([*jobs, running])
        failed = StageFailed(stage="transcriber", reason="x", attempts=1)
        await store.append([step(j.job_id, failed) for j in jobs])
        views = [v for j in jobs if (v := await store.load_view(j.job_id)) is not None]
        now = utcnow() + timedelta(hours=49)
        due = await store.jobs_past_retention(now)
        by_rule = sorted((v for v in views if past_retention(v, now)), key=purge_due_at)
        assert [v.job_id for v in due] == [v.job_id for v in by_rule]
        assert len(due) == 3, "the 1000-hour job waits"
        # The limit takes the longest due first: later ones never crowd them out.
        [first] = await store.jobs_past_retention(now, limit=1)
        assert first.job_id == jobs[2].job_id
