"""`/v1/uploads`: declare a stem, send it to storage with a signed URL, have it verified;
or send a small one directly. `/v1/blobs/…`: the local store's signed URLs."""

import asyncio
import hashlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from libs.media.upload_media import MediaRefused, inspect_upload
from libs.storage.keys import upload_key
from libs.storage.scratch import scratch_files
from libs.storage.signed_urls import RefusedUrl, verify
from services.gateway.errors import ApiError
from services.gateway.job_routes import Ctx, User, errors
from services.gateway.schemas import Text
from services.gateway.uploads import (
    UploadRow,
    find_upload,
    find_upload_by_key,
    insert_upload,
    mark_refused,
    mark_verified,
)
from services.gateway.user_session import user_session

router = APIRouter(tags=["uploads"])
StemKind = Literal["voice", "background"]
AUDIO_TYPES = r"^(audio/[a-z0-9.+-]+|application/ogg|application/octet-stream|video/(mp4|webm))$"


class UploadDeclaration(BaseModel):
    """What the client is about to upload."""

    model_config = ConfigDict(extra="forbid")
    kind: StemKind
    filename: Text
    content_type: str = Field(pattern=AUDIO_TYPES, max_length=100)
    size: int = Field(gt=0, description="Bytes, exactly.")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Hex digest of the bytes.")


class UploadOut(BaseModel):
    """An upload: `pending` until verified; only a `verified` one can be named in a job."""

    upload_id: UUID
    kind: StemKind | None
    status: Literal["pending", "verified", "refused"]
    size: int
    sha256: str
    content_type: str
    duration_s: float | None = None
    refusal: str | None = None
    created_at: datetime
    verified_at: datetime | None = None


class UploadTicketOut(UploadOut):
    """Where to send the bytes, and until when."""

    upload_url: str = Field(description="PUT the exact bytes here, with the declared type.")
    upload_method: Literal["PUT"] = "PUT"
    upload_headers: dict[str, str]
    expires_at: datetime = Field(
        description="When the upload URL stops working: REDUB_UPLOAD_URL_TTL_S after the "
        "declaration, or what the storage fixes itself (Supabase Storage: its own setting)."
    )


@router.post("/v1/uploads", status_code=201, response_model=UploadTicketOut, responses=errors(413))
async def declare_upload(body: UploadDeclaration, user: User, ctx: Ctx) -> UploadTicketOut:
    """Declare a stem and get a signed, expiring URL to upload it to."""
    s = ctx.settings
    if body.size > s.max_upload_bytes:
        raise ApiError(
            413, "upload_too_large", f"Uploads are limited to {s.max_upload_bytes} bytes."
        )
    upload_id = uuid4()
    row = UploadRow(
        upload_id=upload_id,
        user_id=user.user_id,
        key=upload_key(user.user_id, upload_id),
        kind=body.kind,
        filename=body.filename,
        size=body.size,
        sha256=body.sha256,
        content_type=body.content_type,
        duration_s=None,
        status="pending",
        refusal=None,
        created_at=datetime.now(UTC),
        verified_at=None,
        purged_at=None,
    )
    # The URL's own expiry, which a store may fix itself (Supabase Storage: 2 h by default):
    # the ticket says when the URL truly stops working, not what was asked for.
    signed = await ctx.blobs.signed_upload_url(row.key, s.upload_url_ttl_s)
    async with user_session(ctx.store.pool, user) as db:
        await insert_upload(db.db, row)
    return UploadTicketOut(
        **_out(row).model_dump(),
        upload_url=signed.url,
        upload_headers={"Content-Type": body.content_type},
        expires_at=datetime.fromtimestamp(signed.expires_at, UTC),
    )


@router.post(
    "/v1/uploads/{upload_id}/complete", response_model=UploadOut, responses=errors(404, 409)
)
async def complete_upload(upload_id: UUID, user: User, ctx: Ctx) -> UploadOut:
    """Verify an uploaded stem (size, checksum, and its audio by decoding it)."""
    async with user_session(ctx.store.pool, user) as db:
        row = await find_upload(db.db, upload_id)
    if row is None:
        raise ApiError(404, "upload_not_found", f"No upload {upload_id} exists for this account.")
    if row.status != "pending":
        return _out(row)
    try:
        async with ctx.blobs.open_local(row.key) as path:
            duration = await _verify(path, row, ctx.settings.max_programme_s)
    except KeyError:
        raise ApiError(
            409, "not_uploaded", "Nothing was uploaded yet: PUT the bytes to the upload URL first."
        ) from None
    except MediaRefused as exc:
        await ctx.blobs.delete(row.key)
        async with user_session(ctx.store.pool, user) as db:
            await mark_refused(db.db, upload_id, exc.code)
        raise ApiError(422, exc.code, exc.message) from exc
    async with user_session(ctx.store.pool, user) as db:
        await mark_verified(db.db, upload_id, duration)
        verified = await find_upload(db.db, upload_id)
    assert verified is not None
    return _out(verified)


@router.get("/v1/uploads/{upload_id}", response_model=UploadOut, responses=errors(404))
async def get_upload_status(upload_id: UUID, user: User, ctx: Ctx) -> UploadOut:
    """An upload's state."""
    async with user_session(ctx.store.pool, user) as db:
        row = await find_upload(db.db, upload_id)
    if row is None:
        raise ApiError(404, "upload_not_found", f"No upload {upload_id} exists for this account.")
    return _out(row)


@router.post("/v1/uploads/file", status_code=201, response_model=UploadOut, responses=errors(413))
async def upload_file(
    file: UploadFile,
    user: User,
    ctx: Ctx,
    kind: Annotated[StemKind | None, Form()] = None,
) -> UploadOut:
    """A small stem in one request (multipart), checked like a declared one."""
    upload_id = uuid4()
    key = upload_key(user.user_id, upload_id)
    content_type = file.content_type or "application/octet-stream"
    if not re.fullmatch(AUDIO_TYPES, content_type) or len(content_type) > 100:
        raise ApiError(
            422,
            "unsupported_content_type",
            "The file's content type must be an audio type (audio/*, application/ogg, "
            "application/octet-stream, video/mp4 or video/webm).",
        )
    with scratch_files("stem") as [path]:
        size = await asyncio.to_thread(_spool, file, path)
        if size == 0:
            raise ApiError(422, "empty_upload", "The uploaded file is empty.")
        try:
            facts = await inspect_upload(path, max_duration_s=ctx.settings.max_programme_s)
        except MediaRefused as exc:
            raise ApiError(422, exc.code, exc.message) from exc
        ref = await ctx.blobs.move_file(key, path, content_type)
    row = UploadRow(
        upload_id=upload_id,
        user_id=user.user_id,
        key=key,
        kind=kind,
        filename=_printable_name(file.filename),
        size=ref.size,
        sha256=ref.sha256,
        content_type=ref.content_type,
        duration_s=facts.duration_s,
        status="verified",
        refusal=None,
        created_at=datetime.now(UTC),
        verified_at=datetime.now(UTC),
        purged_at=None,
    )
    try:
        async with user_session(ctx.store.pool, user) as db:
            await insert_upload(db.db, row)
    except BaseException:
        # No row points at the blob: do not leave it behind.
        await ctx.blobs.delete(ref.key)
        raise
    return _out(row)


@router.put(
    "/v1/blobs/{key:path}",
    status_code=201,
    responses={201: {"description": "Stored"}, **errors(403, 409, 410, 413)},
)
async def put_blob(
    key: Annotated[str, PathParam(max_length=400)], request: Request, ctx: Ctx
) -> JSONResponse:
    """The local store's signed upload URL: the declared bytes, streamed to disk and checked
    as they arrive (no token: the URL's signature is the credential)."""
    key = _signed_key(ctx, request, "PUT")
    row = await find_upload_by_key(ctx.store.pool, key)
    if row is None or row.status != "pending":
        raise ApiError(409, "upload_closed", "This upload is not waiting for bytes.")
    # The process's scratch folder (beside the local store: storing is then a rename).
    with scratch_files("upload") as [tmp]:
        digest = hashlib.sha256()
        size = 0
        sink = await asyncio.to_thread(tmp.open, "wb")
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > row.size:
                    raise ApiError(
                        413, "larger_than_declared", f"The upload was declared as {row.size} bytes."
                    )
                digest.update(chunk)
                sink.write(chunk)  # page-cache writes: cheaper than a thread hop per chunk
        finally:
            sink.close()
        if size != row.size:
            raise ApiError(
                422, "size_mismatch", f"Received {size} bytes; the upload declared {row.size}."
            )
        if digest.hexdigest() != row.sha256:
            raise ApiError(
                422, "checksum_mismatch", "The bytes' sha256 differs from the declared one."
            )
        await ctx.blobs.move_file(key, tmp, row.content_type)
    return JSONResponse({"size": size, "sha256": row.sha256}, status_code=201)


@router.get("/v1/blobs/{key:path}", responses={200: {"description": "The object"}, **errors(403)})
async def get_blob(
    key: Annotated[str, PathParam(max_length=400)], request: Request, ctx: Ctx
) -> FileResponse:
    """The local store's signed download URL (what stages away from its disk fetch)."""
    key = _signed_key(ctx, request, "GET")
    try:
        cm = ctx.blobs.open_local(key)
        path = await cm.__aenter__()
    except KeyError:
        raise ApiError(410, "blob_gone", "The object is not there (any more).") from None
    return FileResponse(path, background=BackgroundTask(cm.__aexit__, None, None, None))


def _signed_key(ctx: Ctx, request: Request, method: str) -> str:
    secret = ctx.settings.blob_url_secret
    if not secret:
        raise ApiError(503, "blobs_unavailable", "Signed URLs are not configured on this server.")
    # The URL as the store signed it: its public base, this path and query.
    url = f"{ctx.settings.blob_base_url}/{request.path_params['key']}?{request.url.query}"
    try:
        return verify(url, secret.encode(), ctx.settings.blob_base_url, method, time.time())
    except RefusedUrl as exc:
        raise ApiError(403, "url_refused", f"The signed URL was refused: {exc}.") from exc


async def _verify(path: Path, row: UploadRow, max_s: float) -> float:
    size, digest = await asyncio.to_thread(_digest, path)
    if size != row.size:
        raise MediaRefused("size_mismatch", f"Stored {size} bytes; the upload declared {row.size}.")
    if digest != row.sha256:
        raise MediaRefused("checksum_mismatch", "The bytes' sha256 differs from the declared one.")
    facts = await inspect_upload(path, max_duration_s=max_s)
    return facts.duration_s


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            size += len(chunk)
            h.update(chunk)
    return size, h.hexdigest()


def _spool(file: UploadFile, dest: Path) -> int:
    size = 0
    with dest.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            out.write(chunk)
    return size


def _printable_name(name: str | None) -> str | None:
    if not name:
        return None
    clean = "".join(c for c in name if c.isprintable())[:200]
    return clean or None


def _out(row: UploadRow) -> UploadOut:
    return UploadOut(
        upload_id=row.upload_id,
        kind=row.kind,
        status=row.status,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        duration_s=row.duration_s,
        refusal=row.refusal,
        created_at=row.created_at,
        verified_at=row.verified_at,
    )
