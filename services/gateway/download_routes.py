"""Downloads: single-use expiring links for a job's artifacts, and the links' own route."""

import time
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from libs.events.job_view import ArtifactView, JobView
from services.gateway.download_links import Grant, RefusedLink, sign_link, verify_link
from services.gateway.errors import ApiError
from services.gateway.job_routes import Ctx, User, errors, read_own_job
from services.gateway.schemas import LanguageCode

router = APIRouter(tags=["downloads"])
# How long a store's own signed URL lives once a link was used (the redirect is followed at once).
REDIRECT_TTL_S = 60


class DownloadOut(BaseModel):
    """One artifact and a link that downloads it once."""

    kind: str
    file: str
    size: int
    sha256: str
    content_type: str
    url: str = Field(description="Single-use; relative to the API's base URL.")


class DownloadsOut(BaseModel):
    """Links for every artifact of one language, valid until `expires_at`."""

    language: str
    expires_at: datetime
    files: list[DownloadOut]


@router.get("/v1/jobs/{job_id}/download", response_model=DownloadsOut, responses=errors(404))
async def download_links(
    job_id: UUID, language: Annotated[LanguageCode, Query()], user: User, ctx: Ctx
) -> DownloadsOut:
    """Single-use, expiring links for the language's artifacts."""
    view = await read_own_job(ctx, user, job_id)
    live = [a for a in view.artifacts if a.language == language and a.purged_at is None]
    if not live:
        gone = any(a.language == language for a in view.artifacts)
        raise ApiError(
            410 if gone else 404,
            "artifact_purged" if gone else "artifact_not_found",
            f"The {language!r} artifacts were deleted."
            if gone
            else f"Job {job_id} has no artifacts for language {language!r} (yet).",
        )
    expires_at = int(time.time()) + ctx.settings.download_link_ttl_s
    secret = _secret(ctx.settings.blob_url_secret)
    files = [
        DownloadOut(
            kind=a.kind,
            file=a.key.rsplit("/", 1)[-1],
            size=a.size,
            sha256=a.sha256,
            content_type=a.content_type,
            url="/v1/downloads/"
            + sign_link(Grant(job_id, language, a.kind, expires_at, uuid.uuid4()), secret),
        )
        for a in live
    ]
    return DownloadsOut(
        language=language, expires_at=datetime.fromtimestamp(expires_at, UTC), files=files
    )


@router.get(
    "/v1/downloads/{token}",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The artifact"},
        307: {"description": "To the store's own short-lived URL"},
        **errors(403, 404, 410),
    },
)
async def download(token: Annotated[str, Path(max_length=600)], ctx: Ctx) -> Response:
    """The artifact a link grants, once (no token needed: the link is the credential)."""
    try:
        grant = verify_link(token, _secret(ctx.settings.blob_url_secret), time.time())
    except RefusedLink as exc:
        raise ApiError(403 if exc.code == "link_tampered" else 410, exc.code, exc.message) from exc
    used = await ctx.store.pool.fetchval(
        "INSERT INTO download_links (nonce, expires_at) VALUES ($1, to_timestamp($2))"
        " ON CONFLICT DO NOTHING RETURNING 1",
        grant.nonce,
        grant.expires_at,
    )
    if used is None:
        raise ApiError(
            410, "link_used", "This download link was used already; links are single-use."
        )
    view = await ctx.store.load_view(grant.job_id)
    artifact = _artifact(view, grant)
    return await serve_artifact(ctx, grant.job_id, artifact)


async def serve_artifact(ctx: Ctx, job_id: UUID, a: ArtifactView) -> Response:
    """The artifact's bytes (or a redirect to the store's URL); 410 when its blob is gone."""
    if a.purged_at is not None:
        raise _purged()
    if not ctx.blobs.serves_local_files:
        try:
            url = await ctx.blobs.signed_url(a.key, REDIRECT_TTL_S)
        except KeyError:  # a remote store signs only objects it holds
            raise _purged() from None
        return RedirectResponse(url, status_code=307)
    # The local copy must outlive this function: the response streams it after.
    local = AsyncExitStack()
    try:
        path = await local.enter_async_context(ctx.blobs.open_local(a.key))
    except KeyError:
        raise _purged() from None
    return FileResponse(
        path,
        media_type=a.content_type,
        filename=f"{job_id}-{a.language}-{a.key.rsplit('/', 1)[-1]}",
        background=BackgroundTask(local.aclose),
    )


def _artifact(view: JobView | None, grant: Grant) -> ArtifactView:
    for a in view.artifacts if view else []:
        if a.language == grant.language and a.kind == grant.kind:
            return a
    raise ApiError(404, "artifact_not_found", "The job has no such artifact.")


def _purged() -> ApiError:
    return ApiError(
        410,
        "artifact_purged",
        "This artifact was deleted (retention or a delete request) and cannot be downloaded.",
    )


def _secret(value: str | None) -> bytes:
    if not value:
        raise ApiError(503, "downloads_unavailable", "Downloads are not configured on this server.")
    return value.encode()
