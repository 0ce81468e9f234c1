"""The gateway: REST under /v1 for uploads, jobs and their artifacts."""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.auth.tokens import Principal
from libs.config.settings import Settings
from libs.events.outage import OUTAGE_ERRORS
from libs.languages.support import LanguageSupport
from services.gateway.auth import BearerAuth, current_principal, token_verifier
from services.gateway.body_limit import BodyLimit
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
from services.gateway.job_routes import errors, read_own_job, router
from services.gateway.languages_out import languages_out
from services.gateway.schemas import LanguagesOut
from services.gateway.upload_routes import router as upload_router

User = Annotated[Principal, Depends(current_principal)]


def create_app(ctx: GatewayContext) -> FastAPI:
    """The FastAPI application over an open store, bus and blob store."""
    app = FastAPI(title="Redub", version="1", docs_url="/v1/docs", openapi_url="/v1/openapi.json")
    app.state.ctx = ctx
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    # An outage (Storage answering 503, PostgreSQL refusing, NATS away) is expected: the same
    # 503, but answered in place, which keeps the connection usable, where the last-resort
    # handler's re-raise makes uvicorn drop it.
    for kind in OUTAGE_ERRORS:
        if issubclass(kind, Exception):
            app.add_exception_handler(kind, unexpected_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
    app.include_router(router)
    app.include_router(download_router)
    app.include_router(upload_router)
    app.add_middleware(BearerAuth, verifier=token_verifier(ctx.settings))
    # Outermost: a body over its route's ceiling is refused before anything reads it.
    app.add_middleware(BodyLimit, limit_for=body_limits(ctx.settings))
    support = ctx.languages or LanguageSupport.unchecked(tuple(ctx.settings.supported_languages))

    @app.get("/v1/languages", response_model=LanguagesOut, responses=errors())
    async def list_languages() -> LanguagesOut:
        """The languages jobs may name, and what each configured provider can do (public)."""
        return languages_out(support)

    @app.get(
        "/v1/jobs/{job_id}/artifacts/{language}/{kind}",
        response_class=Response,
        responses={200: {"content": {"application/octet-stream": {}}}, **errors(404, 410)},
    )
    async def download_artifact(job_id: UUID, language: str, kind: str, user: User) -> Response:
        """One artifact's content, for a signed-in caller (links: `/download`)."""
        view = await read_own_job(ctx, user, job_id)
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


def body_limits(settings: Settings) -> Callable[[str], int]:
    """Each path's body ceiling: stems where stems go, a small JSON document elsewhere."""

    def limit_for(path: str) -> int:
        if path.startswith("/v1/blobs/"):
            return int(settings.max_upload_bytes)
        if path == "/v1/uploads/file":
            return int(settings.max_direct_upload_bytes)
        return int(settings.max_json_bytes)

    return limit_for
