"""The gateway: REST under /v1 for uploads, jobs and their artifacts."""

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import Depends, FastAPI, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.auth.tokens import Principal
from libs.events.job_view import JobView
from libs.media.errors import MediaError
from libs.media.probe import probe_duration
from libs.storage.keys import upload_key
from services.gateway.auth import BearerAuth, current_principal, token_verifier
from services.gateway.context import GatewayContext
from services.gateway.download_routes import router as download_router
from services.gateway.download_routes import serve_artifact
from services.gateway.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from services.gateway.job_routes import errors, own_job, router
from services.gateway.schemas import UploadOut
from services.gateway.uploads import insert_upload
from services.gateway.user_session import user_session

User = Annotated[Principal, Depends(current_principal)]


def create_app(ctx: GatewayContext) -> FastAPI:
    """The FastAPI application over an open store, bus and blob store."""
    app = FastAPI(title="Redub", version="1", docs_url="/v1/docs", openapi_url="/v1/openapi.json")
    app.state.ctx = ctx
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.include_router(router)
    app.include_router(download_router)
    app.add_middleware(BearerAuth, verifier=token_verifier(ctx.settings))

    @app.post("/v1/uploads", status_code=201, response_model=UploadOut)
    async def upload_stem(file: UploadFile, user: User) -> UploadOut:
        """Receive one stem (voice or background); it is probed before it is kept."""
        upload_id = uuid4()
        with tempfile.TemporaryDirectory(prefix="redub-upload-") as tmp:
            path = Path(tmp) / "stem"
            size = await asyncio.to_thread(_spool, file, path, ctx.settings.max_upload_bytes)
            if size == 0:
                raise ApiError(422, "empty_upload", "The uploaded file is empty.")
            try:
                duration = await probe_duration(path)
            except MediaError as exc:
                raise ApiError(
                    422,
                    "unreadable_media",
                    f"{file.filename or 'The file'} is not audio ffmpeg can read: {exc}",
                ) from exc
            content_type = file.content_type or "application/octet-stream"
            ref = await ctx.blobs.move_file(upload_key(user.user_id, upload_id), path, content_type)
        try:
            async with user_session(ctx.store.pool, user) as db:
                await insert_upload(db.db, upload_id, user.user_id, ref, file.filename, duration)
        except BaseException:
            # No row points at the blob: do not leave it behind.
            await ctx.blobs.delete(ref.key)
            raise
        return UploadOut(
            upload_id=upload_id,
            size=ref.size,
            sha256=ref.sha256,
            content_type=ref.content_type,
            duration_s=duration,
        )

    @app.get(
        "/v1/jobs/{job_id}/artifacts/{language}/{kind}",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}, **errors(404, 410)},
    )
    async def download_artifact(job_id: UUID, language: str, kind: str, user: User) -> Response:
        """One artifact's content, for a signed-in caller (links: `/download`)."""
        view = await _own_job(ctx, job_id, user)
        for a in view.artifacts:
            if a.language == language and a.kind == kind:
                return await serve_artifact(ctx, job_id, a)
        raise ApiError(
            404,
            "artifact_not_found",
            f"Job {job_id} has no {kind!r} artifact for language {language!r} (yet).",
        )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


async def _own_job(ctx: GatewayContext, job_id: UUID, user: Principal) -> JobView:
    async with user_session(ctx.store.pool, user) as db:
        return await own_job(db, job_id)


def _spool(file: UploadFile, dest: Path, limit: int) -> int:
    size = 0
    with dest.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "upload_too_large", f"Uploads are limited to {limit} bytes.")
            out.write(chunk)
    file.file.seek(0)
    return size
