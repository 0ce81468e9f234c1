"""Checks that every job's log holds exactly the events one clean run produces."""

from collections.abc import Sequence
from uuid import UUID

import asyncpg


class LogMismatch(AssertionError):
    """The log does not hold what the finished jobs must have produced."""


def expected_types(languages: int) -> dict[str, int]:
    """Events per type of a job that completed every language on the first try."""
    return {
        "job.submitted": 1,
        "transcript.ready": 1,
        "translation.ready": languages,
        "speech.ready": languages,
        "dub.ready": languages,
        "job.completed": 1,
    }


async def verify_jobs(pool: asyncpg.Pool, job_ids: Sequence[str], languages: int) -> int:
    """Raise LogMismatch unless each job has exactly the expected events; return the total."""
    want = expected_types(languages)
    per_job = sum(want.values())
    rows = await pool.fetch(
        "SELECT job_id, type, count(*) AS n FROM job_events"
        " WHERE job_id = ANY($1::uuid[]) GROUP BY job_id, type",
        [UUID(j) for j in job_ids],
    )
    found: dict[str, dict[str, int]] = {j: {} for j in job_ids}
    for r in rows:
        found[str(r["job_id"])][r["type"]] = r["n"]
    bad = {j: types for j, types in found.items() if types != want}
    if bad:
        job, types = next(iter(bad.items()))
        raise LogMismatch(
            f"{len(bad)} of {len(job_ids)} jobs have an unexpected log; job {job}: {types}, "
            f"expected {want}"
        )
    total = sum(r["n"] for r in rows)
    if total != per_job * len(job_ids):
        raise LogMismatch(f"{total} events for {len(job_ids)} jobs, expected {per_job} each")
    return int(total)
