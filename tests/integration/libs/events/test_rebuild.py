"""`redub replay` reads payloads only as far as the fold needs: the views must come out as
a fold of the whole, fully decoded log, for every event type and every schema version."""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from libs.events.catalogue import (
    ArtifactsPurged,
    DeletionRequested,
    JobFailed,
    LanguageFailed,
    StageFailed,
    Usage,
)
from libs.events.postgres_store import PostgresEventStore
from libs.events.rebuild import fold, rebuild_views
from tests.support.builders import USER, dub, new_job, speech, step, transcript, translation


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    s = await PostgresEventStore.connect(database_url, max_size=4)
    yield s
    await s.close()


async def append_old(
    pool: asyncpg.Pool, job: UUID, event_type: str, version: int, payload: Any
) -> None:
    """An event as an older build wrote it, straight into the log."""
    await pool.execute(
        "INSERT INTO job_events (position, event_id, job_id, seq, type, schema_version, payload,"
        " correlation_id, user_id, occurred_at, recorded_at)"
        " SELECT (SELECT max(position) + 1 FROM job_events), $1, $2,"
        " (SELECT max(seq) + 1 FROM job_events WHERE job_id = $2), $3, $4, $5::jsonb, $2, $6,"
        " clock_timestamp(), clock_timestamp()",
        uuid4(),
        job,
        event_type,
        version,
        json.dumps(payload),
        USER,
    )


def dumped(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(model.model_dump_json())
    return data


@pytest.mark.parametrize("workers", [1, 3])
async def test_rebuilt_views_are_the_fold_of_the_whole_log(
    store: PostgresEventStore, database_url: str, workers: int
) -> None:
    pool = store.pool
    usage = [Usage(vendor="openai", unit="output_tokens", quantity=7, amount="0.01")]
    done = new_job(("fr", "de"))
    j = done.job_id
    await store.append([done, step(j, transcript(("fr", "de")))])
    await store.append([step(j, translation("fr").model_copy(update={"usage": usage}))])
    await store.append(
        [step(j, StageFailed(stage="translator", language="de", reason="q", attempts=2))]
    )
    await store.append([step(j, LanguageFailed(language="de", stage="translator", reason="q"))])
    await store.append([step(j, speech("fr")), step(j, dub("fr"))])
    await store.append(
        [step(j, DeletionRequested(reason="user", requested_by=USER, known={"k": 1}))]
    )
    await store.append([step(j, ArtifactsPurged(keys=["fr/mix"], bytes=100))])
    failed = new_job(("fr",))
    await store.append([failed, step(failed.job_id, JobFailed(stage="transcriber", reason="x"))])

    # A job written by older builds: v1 transcript (no brief, one unpriced usage), v2
    # translation and speech, v1 dub and v1 deletion request.
    old = new_job(("fr",))
    await store.append([old])
    o = old.job_id
    unpriced = {"vendor": "deepgram", "unit": "audio_seconds", "quantity": 3.5, "cost_usd": "0.02"}
    t = dumped(transcript(("fr",)))
    del t["brief"]
    await append_old(pool, o, "transcript.ready", 1, {**t, "usage": unpriced})
    await append_old(pool, o, "translation.ready", 2, {**dumped(translation("fr")), "usage": None})
    await append_old(pool, o, "speech.ready", 2, {**dumped(speech("fr")), "usage": unpriced})
    await append_old(pool, o, "dub.ready", 1, dumped(dub("fr")))
    await append_old(pool, o, "deletion.requested", 1, {"reason": "retention"})

    log = await store.read_all(0, 1000)
    expected = fold(log)  # every payload decoded whole
    assert "job.completed" in {e.type for e in log}, "the policy finished the first job"
    result = await rebuild_views(pool, dsn=database_url, workers=workers)
    assert (result.events, result.jobs) == (len(log), 3)
    rows = await pool.fetch("SELECT job_id, view::text FROM jobs")
    rebuilt = {r[0]: json.loads(r[1]) for r in rows}
    assert rebuilt == {k: json.loads(v.model_dump_json()) for k, v in expected.items()}
    assert rebuilt[o]["tasks"]["fr"]["status"] == "dubbed"
    assert rebuilt[o]["deletion_requests"] == 1
    assert rebuilt[j]["purged_at"] is not None and rebuilt[j]["tasks"]["de"]["status"] == "failed"
