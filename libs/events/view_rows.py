"""Writes job views into their relational tables (`jobs`, `job_tasks`, `artifacts`)."""

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from pydantic_core import to_json

from libs.events.job_view import ArtifactView, JobView, TaskView
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

# One statement for the three tables (one round trip while the append lock is held), fed
# one jsonb document: asyncpg checks every element of array parameters against ABCs in
# Python, which costs more than the whole statement on the server.
UPSERT_VIEWS = """
WITH doc AS (SELECT $1::jsonb AS d), jobs_up AS (
    INSERT INTO {jobs} (job_id, user_id, status, version, position, created_at, updated_at,
                        completed_at, view)
    SELECT r.* FROM doc, jsonb_to_recordset(doc.d->'jobs') AS r(
        job_id uuid, user_id uuid, status text, version int, position bigint,
        created_at timestamptz, updated_at timestamptz, completed_at timestamptz, view jsonb)
    ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, version = excluded.version,
        position = excluded.position, updated_at = excluded.updated_at,
        completed_at = excluded.completed_at, view = excluded.view
    RETURNING 1
), tasks_up AS (
    INSERT INTO {tasks} (job_id, language, status, translated_at, synthesized_at, mixed_at,
                         failed_at, failure_stage, failure_reason)
    SELECT r.* FROM doc, jsonb_to_recordset(doc.d->'tasks') AS r(
        job_id uuid, language text, status text, translated_at timestamptz,
        synthesized_at timestamptz, mixed_at timestamptz, failed_at timestamptz,
        failure_stage text, failure_reason text)
    ON CONFLICT (job_id, language) DO UPDATE SET status = excluded.status,
        translated_at = excluded.translated_at, synthesized_at = excluded.synthesized_at,
        mixed_at = excluded.mixed_at, failed_at = excluded.failed_at,
        failure_stage = excluded.failure_stage, failure_reason = excluded.failure_reason
    RETURNING 1
), artifacts_up AS (
    INSERT INTO {artifacts} (job_id, key, language, kind, size, sha256, content_type,
                             created_at, purged_at)
    SELECT r.* FROM doc, jsonb_to_recordset(doc.d->'artifacts') AS r(
        job_id uuid, key text, language text, kind text, size bigint, sha256 text,
        content_type text, created_at timestamptz, purged_at timestamptz)
    ON CONFLICT (job_id, key) DO UPDATE SET purged_at = excluded.purged_at
    RETURNING 1
)
SELECT (SELECT count(*) FROM jobs_up) + (SELECT count(*) FROM tasks_up)
       + (SELECT count(*) FROM artifacts_up)
"""


def _selected_rows(
    v: JobView, changes: Mapping[UUID, ViewChanges] | None
) -> tuple[list[TaskView], list[ArtifactView]]:
    """The task and artifact rows of a view to write: those `changes` names, or all."""
    c = changes.get(v.job_id) if changes is not None else None
    if c is None:
        return list(v.tasks.values()), list(v.artifacts)
    tasks = [t for t in v.tasks.values() if c.languages is None or t.language in c.languages]
    artifacts = [a for a in v.artifacts if c.artifacts is None or a.key in c.artifacts]
    return tasks, artifacts


def _job_row(v: JobView) -> dict[str, Any]:
    """The `jobs` row of a view, keyed by column (`view` is the model itself)."""
    return {
        "job_id": v.job_id,
        "user_id": v.user_id,
        "status": v.status,
        "version": v.version,
        "position": v.position,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
        "completed_at": v.completed_at or v.failed_at,
        "view": v,
    }


def views_document(
    views: Sequence[JobView], changes: Mapping[UUID, ViewChanges] | None = None
) -> str:
    """The rows of `UPSERT_VIEWS` as one JSON document (serialised in one pass, in Rust)."""
    jobs: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    artifacts: list[dict[str, Any]] = []
    for v in views:
        jobs.append(_job_row(v))
        picked_tasks, picked_artifacts = _selected_rows(v, changes)
        # A model's fields are its table's columns (a unit test holds them to it).
        tasks.extend({"job_id": v.job_id, **t.__dict__} for t in picked_tasks)
        artifacts.extend({"job_id": v.job_id, **a.__dict__} for a in picked_artifacts)
    return to_json({"jobs": jobs, "tasks": tasks, "artifacts": artifacts}).decode()


def view_columns(views: Sequence[JobView]) -> tuple[list[list[Any]], ...]:
    """Column arrays of whole views for the three tables, in `COLUMNS` order (for COPY)."""
    task_fields = COLUMNS["job_tasks"][1:]
    artifact_fields = COLUMNS["artifacts"][1:]
    jobs: list[list[Any]] = [[] for _ in COLUMNS["jobs"]]
    tasks: list[list[Any]] = [[] for _ in COLUMNS["job_tasks"]]
    artifacts: list[list[Any]] = [[] for _ in COLUMNS["artifacts"]]
    for v in views:
        row = _job_row(v) | {"view": v.model_dump_json()}
        for col, name in zip(jobs, COLUMNS["jobs"], strict=True):
            col.append(row[name])
        for t in v.tasks.values():
            for col, value in zip(
                tasks, (v.job_id, *(getattr(t, f) for f in task_fields)), strict=True
            ):
                col.append(value)
        for a in v.artifacts:
            for col, value in zip(
                artifacts, (v.job_id, *(getattr(a, f) for f in artifact_fields)), strict=True
            ):
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
    sql = UPSERT_VIEWS.format(
        jobs="jobs" + suffix, tasks="job_tasks" + suffix, artifacts="artifacts" + suffix
    )
    await conn.fetchval(sql, views_document(views, changes))
