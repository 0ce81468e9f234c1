"""Upload metadata rows (not events: nothing happens until a job names them)."""

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from libs.events.catalogue import BlobRef
from services.gateway.errors import ApiError


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """A stored stem."""

    upload_id: UUID
    blob: BlobRef
    duration_s: float


async def insert_upload(
    pool: asyncpg.Pool,
    upload_id: UUID,
    user_id: UUID,
    ref: BlobRef,
    filename: str | None,
    duration_s: float,
) -> None:
    """Record an upload after its blob is stored."""
    await pool.execute(
        "INSERT INTO uploads (upload_id, user_id, key, filename, size, sha256, content_type,"
        " duration_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        upload_id,
        user_id,
        ref.key,
        filename,
        ref.size,
        ref.sha256,
        ref.content_type,
        duration_s,
    )


async def get_upload(pool: asyncpg.Pool, upload_id: UUID, user_id: UUID) -> UploadRecord:
    """The caller's upload, or 404."""
    row = await pool.fetchrow(
        "SELECT key, size, sha256, content_type, duration_s, purged_at FROM uploads"
        " WHERE upload_id = $1 AND user_id = $2",
        upload_id,
        user_id,
    )
    if row is None:
        raise ApiError(
            404,
            "upload_not_found",
            f"No upload {upload_id} exists for this account; upload the stem first.",
        )
    if row["purged_at"] is not None:
        raise ApiError(
            410,
            "upload_purged",
            f"Upload {upload_id} was deleted (its retention ended); upload the stem again.",
        )
    blob = BlobRef(
        key=row["key"], size=row["size"], sha256=row["sha256"], content_type=row["content_type"]
    )
    return UploadRecord(upload_id, blob, row["duration_s"])
