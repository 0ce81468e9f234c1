"""Writes job views into their table, `jobs` (one row per job, the view whole in `view`).

`view` is json: the text as written, validated but never converted, since readers read
it whole. What SQL looks up or indexes is a column of its own, derived from the view.
"""

from collections.abc import Sequence
from typing import Any

import asyncpg
from pydantic_core import to_json

from libs.events.job_view import JobView
from libs.events.retention import purge_due_at

# Columns of a `jobs` row, in `view_columns` order.
COLUMNS: list[str] = [
    "job_id",
    "user_id",
    "status",
    "version",
    "position",
    "created_at",
    "updated_at",
    "completed_at",
    "purge_due_at",
    "voice_key",
    "background_key",
    "purged_at",
    "view",
]

# One json document for every row: PostgreSQL parses it, rather than asyncpg checking
# each element of an array parameter in Python; each row's `view` is its text as written.
UPSERT_VIEWS = """
INSERT INTO {jobs} (job_id, user_id, status, version, position, created_at, updated_at,
                    completed_at, purge_due_at, voice_key, background_key, purged_at, view)
SELECT r.* FROM json_to_recordset($1::json) AS r(
    job_id uuid, user_id uuid, status text, version int, position bigint,
    created_at timestamptz, updated_at timestamptz, completed_at timestamptz,
    purge_due_at timestamptz, voice_key text, background_key text, purged_at timestamptz,
    view json)
ON CONFLICT (job_id) DO UPDATE SET status = excluded.status, version = excluded.version,
    position = excluded.position, updated_at = excluded.updated_at,
    completed_at = excluded.completed_at, purge_due_at = excluded.purge_due_at,
    purged_at = excluded.purged_at, view = excluded.view
"""


def job_row(v: JobView) -> dict[str, Any]:
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
        "purge_due_at": purge_due_at(v),
        "voice_key": v.voice.blob.key,
        "background_key": v.background.blob.key,
        "purged_at": v.purged_at,
        "view": v,
    }


def views_document(views: Sequence[JobView]) -> str:
    """The rows of `UPSERT_VIEWS` as one JSON array (serialised in one pass)."""
    return to_json([job_row(v) for v in views]).decode()


def view_columns(views: Sequence[JobView]) -> list[list[Any]]:
    """Column arrays of the views' rows, in `COLUMNS` order (for COPY)."""
    columns: list[list[Any]] = [[] for _ in COLUMNS]
    for v in views:
        row = job_row(v) | {"view": v.model_dump_json()}
        for col, name in zip(columns, COLUMNS, strict=True):
            col.append(row[name])
    return columns


async def write_views(conn: asyncpg.Connection, views: Sequence[JobView], suffix: str = "") -> None:
    """Upsert views; `suffix` targets the shadow table a rebuild fills."""
    if views:
        await conn.execute(UPSERT_VIEWS.format(jobs="jobs" + suffix), views_document(views))
