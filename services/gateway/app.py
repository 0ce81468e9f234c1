"""The gateway: REST under /v1 for uploads, jobs and their artifacts."""

import asyncio
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Annotated
from uuid import UUID, uuid4, uuid5

from fastapi import Depends, FastAPI, Header, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.background import BackgroundTask

from libs.auth.tokens import Principal
from libs.events.commit import Commit, ConcurrencyError, HandledKey
from libs.events.envelope import NewEvent
from libs.events.job_view import JobView
from libs.languages.support import LanguageSupport
from libs.media.errors import MediaError
from libs.media.probe import probe_duration
from libs.storage.keys import upload_key
from services.gateway.auth import current_principal
from services.gateway.context import GatewayContext
from services.gateway.errors import (
    ApiError,
    api_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from services.gateway.job_out import job_out
from services.gateway.languages_out import languages_out
from services.gateway.schemas import JobOut, JobRequest, LanguagesOut, UploadOut
from services.gateway.submission import build_submission, same_submission
from services.gateway.uploads import get_upload, insert_upload

User = Annotated[Principal, Depends(current_principal)]


def create_app(ctx: GatewayContext) -> FastAPI:
    """The FastAPI application over an open store, bus and blob store."""
    app = FastAPI(title="Redub", version="1", docs_url="/v1/docs", openapi_url="/v1/openapi.json")
    app.state.ctx = ctx
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    support = ctx.languages or LanguageSupport.unchecked(tuple(ctx.settings.supported_languages))

    @app.get("/v1/languages", response_model=LanguagesOut)
    async def list_languages(user: User) -> LanguagesOut:
        """The languages jobs may name, and what each configured provider can do."""
        return languages_out(support)

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
            await insert_upload(
                ctx.store.pool, upload_id, user.user_id, ref, file.filename, duration
            )
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

    @app.post(
        "/v1/jobs",
        status_code=202,
        response_model=JobOut,
        responses={200: {"model": JobOut, "description": "An earlier request's job, sent again"}},
    )
    async def submit_job(
        body: JobRequest,
        user: User,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> JSONResponse:
        """Start dubbing two uploaded stems into the target languages."""
        voice = await get_upload(ctx.store.pool, body.voice_upload_id, user.user_id)
        background = await get_upload(ctx.store.pool, body.background_upload_id, user.user_id)
        payload = build_submission(
            body, voice, background, user.user_id, ctx.settings, ctx.languages
        )
        # A retried request with the same Idempotency-Key maps to the same job.
        job_id = uuid5(user.user_id, idempotency_key) if idempotency_key else uuid4()
        event = NewEvent(
            job_id=job_id, payload=payload, correlation_id=job_id, user_id=user.user_id
        )
        handled = (
            HandledKey("gateway", f"{user.user_id}:{idempotency_key}") if idempotency_key else None
        )
        try:
            # Concurrent submissions share a transaction and a publish (group commit).
            recorded = await ctx.committer.commit(
                Commit(job_id, [event], expected_version=0, handled=handled)
            )
        except ConcurrencyError:
            recorded = None
        if recorded is None:
            existing = await ctx.store.load_view(job_id)
            assert existing is not None
            if not same_submission(existing, payload):
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for a different job request; use a new key.",
                )
            return JSONResponse(job_out(existing).model_dump(mode="json"), status_code=200)
        view = await ctx.store.load_view(job_id)
        assert view is not None
        return JSONResponse(
            job_out(view).model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/v1/jobs/{job_id}"},
        )

    @app.get("/v1/jobs/{job_id}", response_model=JobOut)
    async def get_job(job_id: UUID, user: User) -> JobOut:
        """A job's progress: per-language stage timestamps and its artifacts."""
        return job_out(await _own_job(ctx, job_id, user))

    @app.get("/v1/jobs/{job_id}/artifacts/{language}/{kind}")
    async def download_artifact(job_id: UUID, language: str, kind: str, user: User) -> Response:
        """One artifact's content (signed single-use URLs replace this in the next issue)."""
        view = await _own_job(ctx, job_id, user)
        for a in view.artifacts:
            if a.language == language and a.kind == kind:
                if a.purged_at is not None:
                    raise ApiError(
                        410,
                        "artifact_purged",
                        "This artifact was deleted "
                        "(retention or a delete request) and cannot be downloaded.",
                    )
                # The local copy must outlive this function: the response streams it after.
                local = AsyncExitStack()
                path = await local.enter_async_context(ctx.blobs.open_local(a.key))
                return FileResponse(
                    path,
                    media_type=a.content_type,
                    filename=f"{job_id}-{language}-{a.key.rsplit('/', 1)[-1]}",
                    background=BackgroundTask(local.aclose),
                )
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
    view = await ctx.store.load_view(job_id)
    # Someone else's job is "not found", not "forbidden": ids are not a way to probe.
    if view is None or view.user_id != user.user_id:
        raise ApiError(404, "job_not_found", f"No job {job_id} exists for this account.")
    return view


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
