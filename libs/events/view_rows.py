"""Writes job views into their relational tables (`jobs`, `job_tasks`, `artifacts`)."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from libs.events.job_view import JobView
from libs.events.view_changes import ViewChanges

UPSERT_JOBS = """
INSERT INTO {jobs} (job_id, user_id, status, version, position, created_at, updated_at,
                    completed_at, view)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::bigint[],
                     $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::jsonb[])
ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, version = excluded.version,
    position = excluded.position, updated_at = excluded.updated_at,
    completed_at = excluded.completed_at, view = excluded.view
"""

UPSERT_TASKS = """
INSERT INTO {tasks} (job_id, language, status, translated_at, synthesized_at, mixed_at,
                     failed_at, failure_stage, failure_reason)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                     $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[])
ON CONFLICT (job_id, language) DO UPDATE SET status = excluded.status,
    translated_at = excluded.translated_at, synthesized_at = excluded.synthesized_at,
    mixed_at = excluded.mixed_at, failed_at = excluded.failed_at,
    failure_stage = excluded.failure_stage, failure_reason = excluded.failure_reason
"""

UPSERT_ARTIFACTS = """
INSERT INTO {artifacts} (job_id, key, language, kind, size, sha256, content_type, created_at,
                         purged_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                     $7::text[], $8::timestamptz[], $9::timestamptz[])
ON CONFLICT (job_id, key) DO UPDATE SET purged_at = excluded.purged_at
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
    await conn.execute(UPSERT_JOBS.format(jobs="jobs" + suffix), *jobs)
    if tasks[0]:
        await conn.execute(UPSERT_TASKS.format(tasks="job_tasks" + suffix), *tasks)
    if artifacts[0]:
        await conn.execute(UPSERT_ARTIFACTS.format(artifacts="artifacts" + suffix), *artifacts)
