"""Upload rows (not events: nothing happens until a job names them), read and written as
the caller (row-level security keeps them to their owner)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from libs.events.catalogue import BlobRef
from libs.events.one_connection import OneConnection
from services.gateway.errors import ApiError

_COLUMNS = (
    "upload_id, user_id, key, kind, filename, size, sha256, content_type, duration_s, status,"
    " refusal, created_at, verified_at, purged_at"
)


@dataclass(frozen=True, slots=True)
class UploadRow:
    """An upload as stored: declared (`pending`), `verified`, or `refused`."""

    upload_id: UUID
    user_id: UUID
    key: str
    kind: str | None
    filename: str | None
    size: int
    sha256: str
    content_type: str
    duration_s: float | None
    status: str
    refusal: str | None
    created_at: datetime
    verified_at: datetime | None
    purged_at: datetime | None

    @property
    def blob(self) -> BlobRef:
        """The stored object, as events name it."""
        return BlobRef(
            key=self.key, size=self.size, sha256=self.sha256, content_type=self.content_type
        )


@dataclass(frozen=True, slots=True)
class UploadRecord:
    """A verified stem a job may name."""

    upload_id: UUID
    blob: BlobRef
    duration_s: float


async def insert_upload(db: OneConnection, row: UploadRow) -> None:
    """Record a declared (or, for a direct upload, verified) upload."""
    await db.execute(
        f"INSERT INTO uploads ({_COLUMNS}) VALUES"
        " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        *_values(row),
    )


async def find_upload(db: Any, upload_id: UUID) -> UploadRow | None:
    """The upload (the caller's only, under row-level security)."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM uploads WHERE upload_id = $1", upload_id)
    return UploadRow(**dict(row)) if row else None


async def find_upload_by_key(db: Any, key: str) -> UploadRow | None:
    """The upload stored under `key` (a signed upload URL names the key only)."""
    row = await db.fetchrow(f"SELECT {_COLUMNS} FROM uploads WHERE key = $1", key)
    return UploadRow(**dict(row)) if row else None


async def mark_verified(db: OneConnection, upload_id: UUID, duration_s: float) -> None:
    """The upload decoded as acceptable audio of `duration_s` seconds."""
    await db.execute(
        "UPDATE uploads SET status = 'verified', duration_s = $2, verified_at = now()"
        " WHERE upload_id = $1",
        upload_id,
        duration_s,
    )


async def mark_refused(db: OneConnection, upload_id: UUID, reason: str) -> None:
    """The upload failed verification (its blob is deleted)."""
    await db.execute(
        "UPDATE uploads SET status = 'refused', refusal = $2 WHERE upload_id = $1",
        upload_id,
        reason,
    )


async def get_upload(
    db: OneConnection, upload_id: UUID, user_id: UUID, kind: str | None = None
) -> UploadRecord:
    """The caller's verified, unpurged upload (declared as `kind`, or as no kind), or an
    `ApiError` saying what is wrong."""
    row = await find_upload(db, upload_id)
    if row is None or row.user_id != user_id:
        raise ApiError(
            404,
            "upload_not_found",
            f"No upload {upload_id} exists for this account; upload the stem first.",
        )
    if kind is not None and row.kind is not None and row.kind != kind:
        raise ApiError(
            422,
            "wrong_stem_kind",
            f"Upload {upload_id} was declared as the {row.kind} stem; name it as the "
            f"{row.kind}, or upload the {kind} stem.",
        )
    if row.purged_at is not None:
        raise ApiError(410, "upload_purged", f"Upload {upload_id} was deleted; upload it again.")
    if row.status != "verified" or row.duration_s is None:
        raise ApiError(
            409,
            "upload_not_verified",
            f"Upload {upload_id} is {row.status}"
            + (f" ({row.refusal})" if row.refusal else "")
            + "; finish it with POST /v1/uploads/{id}/complete before naming it in a job.",
        )
    return UploadRecord(upload_id, row.blob, row.duration_s)


def _values(row: UploadRow) -> list[Any]:
    return [
        row.upload_id, row.user_id, row.key, row.kind, row.filename, row.size, row.sha256,
        row.content_type, row.duration_s, row.status, row.refusal, row.created_at,
        row.verified_at, row.purged_at,
    ]  # fmt: skip
