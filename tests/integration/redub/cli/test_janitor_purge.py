"""`redub janitor purge` on real PostgreSQL and NATS: two janitors at once purge each due
job once, stems two jobs share go only when neither needs them, stale uploads and scratch
files go, a missing blob is no error, and a repeat finds nothing."""

import asyncio
import collections
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import nats
import psycopg

from libs.events.catalogue import BlobRef, JobFailed, JobSubmitted, Stem
from libs.events.commit import Commit
from libs.events.envelope import NewEvent, utcnow
from libs.events.postgres_store import PostgresEventStore
from libs.schema.app_role import DEV_APP_PASSWORD, DEV_APP_USER, ensure_app_login
from libs.storage.keys import job_prefix, upload_key
from libs.storage.local_store import MARKER, LocalBlobStore
from services.janitor.postgres_stem_ledger import PostgresStemLedger
from services.janitor.purge_run import PurgeLimits, PurgeReport, run_purge
from tests.support.builders import USER

JOBS = 8


def _put(root: Path, key: str, size: int) -> BlobRef:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return BlobRef(key=key, size=size, sha256="0" * 64, content_type="audio/wav")


def _upload(database_url: str, root: Path, age_h: float) -> Stem:
    """An upload row and its blob, created `age_h` hours ago."""
    upload_id = uuid4()
    ref = _put(root, upload_key(USER, upload_id), 1000)
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO uploads (upload_id, user_id, key, size, sha256, content_type,"
            " duration_s, created_at) VALUES (%s, %s, %s, %s, %s, %s, 3.0,"
            " now() - make_interval(secs => %s))",
            (upload_id, USER, ref.key, ref.size, ref.sha256, ref.content_type, age_h * 3600),
        )
    return Stem(upload_id=upload_id, blob=ref, duration_s=3.0)


async def _jobs(database_url: str, stems: list[tuple[Stem, Stem]], finished: bool) -> list[UUID]:
    """Jobs on these stems, submitted (and unless still running, failed) 100 hours ago."""
    store = await PostgresEventStore.connect(database_url, max_size=2)
    past = utcnow() - timedelta(hours=100)
    ids = []
    try:
        for voice, bed in stems:
            job = uuid4()
            submitted = JobSubmitted(
                user_id=USER,
                source_language="en",
                target_languages=["fr"],
                voice=voice,
                background=bed,
                retention_hours=48,
            )
            events = [submitted] + ([JobFailed(stage="mixer", reason="x")] if finished else [])
            new = [
                NewEvent(job_id=job, payload=p, correlation_id=job, user_id=USER, occurred_at=past)
                for p in events
            ]
            await store.append([Commit(job, new, expected_version=0)])
            ids.append(job)
    finally:
        await store.close()
    return ids


def _counts(database_url: str) -> collections.Counter[tuple[str, str]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT job_id, type FROM job_events").fetchall()
    return collections.Counter((str(j), t) for j, t in rows)


def _janitor(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "redub.cli.main", "janitor", "purge", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out


def _purged_jobs(out: str) -> int:
    m = re.search(r"Totals \((?:deleted|would delete)\): (\d+) job\(s\)", out)
    assert m, out
    return int(m.group(1))


async def _drop_stream(url: str, stream: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(stream)
        await nc.jetstream().delete_stream(f"{stream}_ADVISORIES")
    finally:
        await nc.close()


def test_two_janitors_purge_every_due_job_once(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> None:
    blobs, scratch = tmp_path / "blobs", tmp_path / "scratch"
    shared = (_upload(database_url, blobs, 100), _upload(database_url, blobs, 100))
    own = [
        (_upload(database_url, blobs, 100), _upload(database_url, blobs, 100))
        for _ in range(JOBS - 2)
    ]
    running_stems = (_upload(database_url, blobs, 100), _upload(database_url, blobs, 100))
    unused_old, unused_new = _upload(database_url, blobs, 30), _upload(database_url, blobs, 0)
    # The last two due jobs share one pair of stems; a running job keeps its own.
    due = asyncio.run(_jobs(database_url, [*own, shared, shared], finished=True))
    [running] = asyncio.run(_jobs(database_url, [running_stems], finished=False))
    for job in [*due, running]:
        for name in ("transcript.json", "fr/mix.wav", "mixer/a1/fr/clip.wav"):
            _put(blobs, job_prefix(job) + name, 500)
    (blobs / job_prefix(due[0]) / "fr/mix.wav").unlink()  # already gone: not an error
    stale_scratch = scratch / "redub-scratch-dead" / "0-voice.wav"
    fresh_scratch = scratch / "redub-scratch-live" / "0-voice.wav"
    for path in (stale_scratch, fresh_scratch):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"y" * 300)
    old = time.time() - 7 * 3600
    os.utime(stale_scratch, (old, old))
    env = {
        **os.environ,
        "REDUB_DATABASE_URL": ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD),
        "REDUB_NATS_URL": nats_url,
        "REDUB_STORAGE_DIR": str(blobs),
        "REDUB_SCRATCH_DIR": str(scratch),
        "REDUB_STREAM_NAME": stream_prefix.upper(),
        "REDUB_SUBJECT_PREFIX": stream_prefix,
        "REDUB_UPLOAD_RETENTION_HOURS": "24",
        "REDUB_SCRATCH_RETENTION_HOURS": "6",
    }
    env.pop("DATABASE_URL", None)
    try:
        before = _counts(database_url)
        dry = _finish(_janitor(env, "--dry-run"))
        assert _purged_jobs(dry) == JOBS and "would purge" in dry
        assert "1 upload(s), 1,000 bytes; 1 scratch file(s), 300 bytes" in dry
        assert _counts(database_url) == before, "a dry run writes nothing"
        assert stale_scratch.exists() and (blobs / job_prefix(due[1])).exists()

        first, second = _janitor(env), _janitor(env)
        outs = [_finish(first), _finish(second)]

        assert sum(_purged_jobs(o) for o in outs) == JOBS, outs
        counts = _counts(database_url)
        for job in due:
            assert counts[(str(job), "deletion.requested")] == 1, job
            assert counts[(str(job), "artifacts.purged")] == 1, job
            assert not any(p.is_file() for p in (blobs / job_prefix(job)).rglob("*"))
        assert not [k for k in counts if k[0] == str(running) and k[1] != "job.submitted"]
        assert (blobs / job_prefix(running) / "fr/mix.wav").is_file()
        gone = [*(s for pair in [*own, shared] for s in pair), unused_old]
        kept = [*running_stems, unused_new]
        assert not [s.blob.key for s in gone if (blobs / s.blob.key).exists()]
        assert all((blobs / s.blob.key).exists() for s in kept)
        with psycopg.connect(database_url) as conn:
            purged = {
                r[0]
                for r in conn.execute("SELECT upload_id FROM uploads WHERE purged_at IS NOT NULL")
            }
            views = conn.execute(
                "SELECT count(*) FROM jobs WHERE view->>'purged_at' IS NOT NULL"
            ).fetchone()
        assert purged == {s.upload_id for s in gone}
        assert views is not None and views[0] == JOBS, "the views show what is gone"
        assert not stale_scratch.exists() and fresh_scratch.exists()

        again = _finish(_janitor(env))
        assert _purged_jobs(again) == 0 and "0 upload(s)" in again
        assert _counts(database_url) == counts, "a repeat appends nothing"
    finally:
        asyncio.run(_drop_stream(nats_url, stream_prefix.upper()))


async def _two_at_once(database_url: str, blobs: Path, scratch: Path) -> list[PurgeReport]:
    """Two janitors, each with its own pool, purging at the same moment."""
    stores = [await PostgresEventStore.connect(database_url, max_size=4) for _ in range(2)]
    limits = PurgeLimits(timedelta(hours=24), timedelta(hours=6))
    now = utcnow()
    try:
        return list(
            await asyncio.gather(
                *(
                    run_purge(
                        s,
                        LocalBlobStore(blobs, secret=b"k", base_url="http://x"),
                        PostgresStemLedger(s.pool),
                        now,
                        limits,
                        scratch,
                    )
                    for s in stores
                )
            )
        )
    finally:
        for s in stores:
            await s.close()


def test_two_purges_interleaved_in_one_loop_do_each_job_once(
    database_url: str, tmp_path: Path
) -> None:
    blobs = tmp_path / "blobs"
    pairs = [
        (_upload(database_url, blobs, 100), _upload(database_url, blobs, 100)) for _ in range(20)
    ]
    due = asyncio.run(_jobs(database_url, pairs, finished=True))
    for job in due:
        _put(blobs, job_prefix(job) + "fr/mix.wav", 500)
    for _ in range(5):
        _upload(database_url, blobs, 30)  # never used, past the upload retention

    reports = asyncio.run(_two_at_once(database_url, blobs, tmp_path / "scratch"))

    purged = [j.job_id for r in reports for j in r.jobs if j.outcome == "purged"]
    assert sorted(purged) == sorted(due), "every job purged, and by one janitor only"
    assert sum(len(r.uploads) for r in reports) == 5, "each stale upload done once"
    counts = _counts(database_url)
    for job in due:
        assert counts[(str(job), "deletion.requested")] == 1
        assert counts[(str(job), "artifacts.purged")] == 1
    assert not [p for p in blobs.rglob("*") if p.is_file() and p.name != MARKER], "all went"
