"""Writes job views into their relational tables (`jobs`, `job_tasks`, `artifacts`)."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from libs.events.job_view import JobView
from libs.events.view_changes import ViewChanges

# Column order of `view_columns`' arrays, per table.
COLUMNS: dict[str, list[str]] = {
    "jobs": [
        "job_id",
        "user_id",
        "status",
        "version",
        "position",
        "created_at",
        "updated_at",
        "completed_at",
        "view",
    ],
    "job_tasks": [
        "job_id",
        "language",
        "status",
        "translated_at",
        "synthesized_at",
        "mixed_at",
        "failed_at",
        "failure_stage",
        "failure_reason",
    ],
    "artifacts": [
        "job_id",
        "key",
        "language",
        "kind",
        "size",
        "sha256",
        "content_type",
        "created_at",
        "purged_at",
    ],
}

UPSERT_VIEWS = """
WITH jobs_up AS (
    INSERT INTO {jobs} (job_id, user_id, status, version, position, created_at, updated_at,
                        completed_at, view)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::bigint[],
                         $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[])
    ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, version = excluded.version,
        position = excluded.position, updated_at = excluded.updated_at,
        completed_at = excluded.completed_at, view = excluded.view
    RETURNING 1
), tasks_up AS (
    INSERT INTO {tasks} (job_id, language, status, translated_at, synthesized_at, mixed_at,
                         failed_at, failure_stage, failure_reason)
    SELECT * FROM unnest($10::uuid[], $11::text[], $12::text[], $13::timestamptz[],
                         $14::timestamptz[], $15::timestamptz[], $16::timestamptz[],
                         $17::text[], $18::text[])
    ON CONFLICT (job_id, language) DO UPDATE SET status = excluded.status,
        translated_at = excluded.translated_at, synthesized_at = excluded.synthesized_at,
        mixed_at = excluded.mixed_at, failed_at = excluded.failed_at,
        failure_stage = excluded.failure_stage, failure_reason = excluded.failure_reason
    RETURNING 1
), artifacts_up AS (
    INSERT INTO {artifacts} (job_id, key, language, kind, size, sha256, content_type,
                             created_at, purged_at)
    SELECT * FROM unnest($19::uuid[], $20::text[], $21::text[], $22::text[], $23::bigint[],
                         $24::text[], $25::text[], $26::timestamptz[], $27::timestamptz[])
    ON CONFLICT (job_id, key) DO UPDATE SET purged_at = excluded.purged_at
    RETURNING 1
)
SELECT (SELECT count(*) FROM jobs_up) + (SELECT count(*) FROM tasks_up)
       + (SELECT count(*) FROM artifacts_up)
"""


def view_columns(
    views: Sequence[JobView], changes: Mapping[UUID, ViewChanges] | None = None
) -> tuple[list[list[Any]], ...]:
    """Column arrays for the three view tables; with `changes`, only the rows they name."""
    jobs: list[list[Any]] = [[] for _ in range(9)]
    tasks: list[list[Any]] = [[] for _ in range(9)]
    artifacts: list[list[Any]] = [[] for _ in range(9)]
    for v in views:
        row = (
            v.job_id,
            v.user_id,
            v.status,
            v.version,
            v.position,
            v.created_at,
            v.updated_at,
            v.completed_at or v.failed_at,
            v.model_dump_json(),
        )
        for col, value in zip(jobs, row, strict=True):
            col.append(value)
        c = changes.get(v.job_id) if changes is not None else None
        for t in v.tasks.values():
            if c is not None and c.languages is not None and t.language not in c.languages:
                continue
            trow = (
                v.job_id,
                t.language,
                t.status,
                t.translated_at,
                t.synthesized_at,
                t.mixed_at,
                t.failed_at,
                t.failure_stage,
                t.failure_reason,
            )
            for col, value in zip(tasks, trow, strict=True):
                col.append(value)
        for a in v.artifacts:
            if c is not None and c.artifacts is not None and a.key not in c.artifacts:
                continue
            arow = (
                v.job_id,
                a.key,
                a.language,
                a.kind,
                a.size,
                a.sha256,
                a.content_type,
                a.created_at,
                a.purged_at,
            )
            for col, value in zip(artifacts, arow, strict=True):
                col.append(value)
    return jobs, tasks, artifacts


async def write_views(
    conn: asyncpg.Connection,
    views: Sequence[JobView],
    suffix: str = "",
    changes: Mapping[UUID, ViewChanges] | None = None,
) -> None:
    """Upsert views (only the rows in `changes`, when given); `suffix` targets the shadow
    tables a rebuild fills."""
    if not views:
        return
    jobs, tasks, artifacts = view_columns(views, changes)
    # One statement for the three tables: one round trip while the append lock is held.
    sql = UPSERT_VIEWS.format(
        jobs="jobs" + suffix, tasks="job_tasks" + suffix, artifacts="artifacts" + suffix
    )
    await conn.fetchval(sql, *jobs, *tasks, *artifacts)
