"""`/v1/jobs`: submit, list, show, follow, cancel, and delete a job's artifacts."""

import asyncio
import base64
import binascii
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from libs.auth.tokens import Principal
from libs.events.catalogue import DeletionRequested, JobCancelled, Payload
from libs.events.codec import EVENT_COLUMNS, event_from_row
from libs.events.commit import Commit, ConcurrencyError, HandledKey
from libs.events.envelope import NewEvent
from libs.events.job_view import TERMINAL_JOB, JobView
from libs.events.relay import publish_committed
from libs.events.retention import purgeable
from services.gateway.auth import current_principal
from services.gateway.context import GatewayContext
from services.gateway.errors import ApiError
from services.gateway.job_events_out import job_events_out
from services.gateway.job_out import job_out
from services.gateway.limits import check_limits
from services.gateway.model_response import json_response
from services.gateway.schemas import ErrorOut, JobEventOut, JobOut, JobPage, JobRequest
from services.gateway.submission import build_submission, same_submission
from services.gateway.uploads import get_upload
from services.gateway.user_session import UserSession, user_session

User = Annotated[Principal, Depends(current_principal)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Retry-safe submission: the same key and body give the same job.",
    ),
]


async def _ctx(request: Request) -> GatewayContext:
    # async: FastAPI runs a plain `def` dependency on a worker thread, a hop per request.
    ctx: GatewayContext = request.app.state.ctx
    return ctx


Ctx = Annotated[GatewayContext, Depends(_ctx)]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    # Any route may refuse a token (401), a path it cannot route (404), an oversized body
    # (413) or bad input (422), and answer 503 while our own infrastructure is away.
    return {s: {"model": ErrorOut} for s in (401, 404, 413, 422, 503, *statuses)}


router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
# A request waits this long for the bus to take what it committed; past it (NATS away) the
# outbox relay publishes instead, and the client is answered at once.
REQUEST_PUBLISH_S = 1.0
# What a 422 from `POST /v1/jobs` may say (`error.code`), beyond an invalid body.
SUBMISSION_REFUSED = (
    "The request cannot be done as sent; `error.code` says why: `invalid_request` (the body; "
    "`details` lists the fields), `unsupported_language`, `untranslatable_language`, "
    "`no_voice_for_language`, `unknown_voice` (a voice map entry names a voice the target "
    "language's provider lacks; `details` lists each entry with `field`, `speaker`, `voice`, "
    "`language`, `provider` and `available_voices`), `premium_voice_unavailable`, "
    "`stem_duration_mismatch`, `wrong_stem_kind`, `idempotency_key_reused` and others, each "
    "with a message "
    "saying what to change."
)


@router.post(
    "",
    status_code=202,
    response_model=JobOut,
    responses={
        200: {"model": JobOut, "description": "An earlier request's job, sent again"},
        **errors(404, 429),
        422: {"model": ErrorOut, "description": SUBMISSION_REFUSED},
    },
)
async def submit_job(
    body: JobRequest, user: User, ctx: Ctx, idempotency_key: IdempotencyKey = None
) -> Response:
    """Start dubbing two uploaded stems into the target languages."""
    # A retried request with the same Idempotency-Key maps to the same job.
    job_id = uuid5(user.user_id, idempotency_key) if idempotency_key else uuid4()
    handled = (
        HandledKey("gateway", f"{user.user_id}:{idempotency_key}") if idempotency_key else None
    )
    s = ctx.settings
    # One transaction as the caller: reads, limits, the append and the view it leaves.
    async with user_session(ctx.store.pool, user) as db:
        voice = await get_upload(db.db, body.voice_upload_id, user.user_id, "voice")
        background = await get_upload(db.db, body.background_upload_id, user.user_id, "background")
        payload = build_submission(
            body, voice, background, user.user_id, s, ctx.languages, ctx.speech
        )
        existing = await db.views.load_view(job_id) if idempotency_key else None
        recorded = None
        if existing is None:
            await check_limits(
                db.db,
                user.user_id,
                payload.voice.duration_s,
                max_running=s.max_running_jobs,
                max_minutes_per_day=s.max_minutes_per_day,
            )
            event = NewEvent(
                job_id=job_id, payload=payload, correlation_id=job_id, user_id=user.user_id
            )
            try:
                [recorded] = await db.jobs.append(
                    [Commit(job_id, [event], expected_version=0, handled=handled)]
                )
            except ConcurrencyError:
                recorded = None
        view = existing or await db.views.load_view(job_id)
    if recorded is None:
        if view is None or not same_submission(view, payload):
            raise ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different job request; use a new key.",
            )
        return json_response(job_out(view))
    # Committed: publish now; should NATS be away, the outbox relay publishes it later.
    await publish_committed(ctx.store, ctx.bus, recorded, within_s=REQUEST_PUBLISH_S)
    assert view is not None
    return JSONResponse(
        job_out(view).model_dump(mode="json"),
        status_code=202,
        headers={"Location": f"/v1/jobs/{job_id}"},
    )


@router.get("", response_model=JobPage, responses=errors())
async def list_jobs(
    user: User,
    ctx: Ctx,
    status: Annotated[
        str | None,
        Query(pattern=r"^(submitted|transcribed|completed|failed|cancelled)$"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JobPage:
    """The caller's jobs, newest first, a page at a time."""
    after = _decode_cursor(cursor) if cursor else None
    async with user_session(ctx.store.pool, user) as db:
        rows = await db.db.fetch(
            "SELECT view::text, created_at FROM jobs WHERE user_id = $1"
            " AND ($2::text IS NULL OR status = $2)"
            " AND ($3::timestamptz IS NULL OR (created_at, job_id) < ($3, $4))"
            " ORDER BY created_at DESC, job_id DESC LIMIT $5",
            user.user_id,
            status,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
    views = [JobView.model_validate_json(r[0]) for r in rows[:limit]]
    more = len(rows) > limit
    last = views[-1] if views and more else None
    return JobPage(
        jobs=[job_out(v) for v in views],
        next_cursor=_encode_cursor(last.created_at, last.job_id) if last else None,
    )


@router.get("/{job_id}", response_model=JobOut, responses=errors(404))
async def get_job(job_id: UUID, user: User, ctx: Ctx) -> Response:
    """A job's progress: per-language stage timestamps, artifacts, failures and usage."""
    cache = ctx.view_cache
    body = cache.get(user.user_id, job_id)
    if body is None:
        ticket = cache.ticket(job_id)
        body = job_out(await read_own_job(ctx, user, job_id)).model_dump_json().encode()
        cache.keep(ticket, user.user_id, body)
    return Response(body, media_type="application/json")


@router.post(
    "/{job_id}/cancel",
    status_code=202,
    response_model=JobOut,
    responses={200: {"model": JobOut, "description": "Cancelled already"}, **errors(404, 409)},
)
async def cancel_job(job_id: UUID, user: User, ctx: Ctx) -> Response:
    """Stop a job: work not yet started is skipped; languages already finished stay."""
    view, recorded = await _append_to_own_job(
        ctx, user, job_id, lambda v: _cancellation(v, user.user_id)
    )
    return json_response(job_out(view), status_code=202 if recorded else 200)


@router.delete(
    "/{job_id}/artifacts",
    status_code=202,
    response_model=JobOut,
    responses={200: {"model": JobOut, "description": "Deleted already"}, **errors(404, 409)},
)
async def delete_artifacts(job_id: UUID, user: User, ctx: Ctx) -> Response:
    """Delete the job's stems and artifacts now (the janitor purges them within seconds); the
    job's record and its usage stay."""
    view, recorded = await _append_to_own_job(
        ctx, user, job_id, lambda v: _deletion(v, user.user_id)
    )
    return json_response(job_out(view), status_code=202 if recorded else 200)


@router.get(
    "/{job_id}/events",
    response_model=list[JobEventOut],
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "The job's events as JSON, or live as Server-Sent Events "
            "(`Accept: text/event-stream`, resumable with `Last-Event-ID`).",
        },
        204: {"description": "Live events asked after the last event of a finished job"},
        **errors(404),
    },
)
async def job_events(
    job_id: UUID,
    user: User,
    ctx: Ctx,
    request: Request,
    after: Annotated[int, Query(ge=0, description="Only events after this `seq`.")] = 0,
    last_event_id: Annotated[str | None, Header(max_length=20, pattern=r"^\d+$")] = None,
) -> Any:
    """A job's progress, step by step."""
    start = max(after, int(last_event_id)) if last_event_id else after
    events = await _events_after(ctx, user, job_id, start)
    if "text/event-stream" not in request.headers.get("accept", ""):
        return events
    if not events and (await read_own_job(ctx, user, job_id)).terminal:
        # Resumed after the last event of a finished job (an EventSource reconnects by
        # itself once the stream ends): 204 tells it to stop, where a stream would stay open.
        return Response(status_code=204)
    return StreamingResponse(
        _live(ctx, user, job_id, start, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def own_job(db: UserSession, job_id: UUID) -> JobView:
    """The caller's job (row-level security hides the others), or 404."""
    return _found(await db.views.load_view(job_id), job_id)


async def read_own_job(ctx: GatewayContext, user: Principal, job_id: UUID) -> JobView:
    """`own_job` for a request that only reads the job: one statement as the caller."""
    return _found(await ctx.reads.job_view(user, job_id), job_id)


def _found(view: JobView | None, job_id: UUID) -> JobView:
    # Someone else's job is "not found", not "forbidden": ids are not a way to probe.
    if view is None:
        raise ApiError(404, "job_not_found", f"No job {job_id} exists for this account.")
    return view


async def _append_to_own_job(
    ctx: GatewayContext, user: Principal, job_id: UUID, decide: Any
) -> tuple[JobView, bool]:
    """Append what `decide(view)` returns (None: nothing to do) to the caller's job."""
    for _ in range(3):
        async with user_session(ctx.store.pool, user) as db:
            view = await own_job(db, job_id)
            payload: Payload | None = decide(view)
            if payload is None:
                return view, False
            event = NewEvent(
                job_id=job_id, payload=payload, correlation_id=job_id, user_id=user.user_id
            )
            try:
                [recorded] = await db.jobs.append(
                    [Commit(job_id, [event], expected_version=view.version)]
                )
            except ConcurrencyError:
                continue  # a stage appended meanwhile: decide again on the new view
            after = await own_job(db, job_id)
        await publish_committed(ctx.store, ctx.bus, recorded or [], within_s=REQUEST_PUBLISH_S)
        return after, True
    raise ApiError(409, "job_busy", "The job changed while this request ran; send it again.")


def _cancellation(view: JobView, user: UUID) -> Payload | None:
    if view.status == "cancelled":
        return None
    if view.terminal:
        raise ApiError(
            409, "job_finished", f"The job is {view.status} already; there is nothing to cancel."
        )
    return JobCancelled(requested_by=user)


def _deletion(view: JobView, user: UUID) -> Payload | None:
    if not view.terminal:
        raise ApiError(
            409,
            "job_running",
            "The job is still running; cancel it first, then delete its artifacts.",
        )
    known = purgeable(view)
    # Asked already, and the janitor has not purged since: asking again changes nothing.
    asked = view.deletion_requested_at
    pending = asked is not None and (view.purged_at is None or view.purged_at < asked)
    if not known or pending:
        return None
    return DeletionRequested(reason="user", requested_by=user, known=known)


async def _events_after(
    ctx: GatewayContext, user: Principal, job_id: UUID, after: int
) -> list[JobEventOut]:
    async with user_session(ctx.store.pool, user) as db:
        rows = await db.db.fetch(
            f"SELECT {EVENT_COLUMNS} FROM job_events WHERE job_id = $1 ORDER BY seq", job_id
        )
    if not rows:
        raise ApiError(404, "job_not_found", f"No job {job_id} exists for this account.")
    return [e for e in job_events_out([event_from_row(r) for r in rows]) if e.seq > after]


async def _live(
    ctx: GatewayContext, user: Principal, job_id: UUID, after: int, first: list[JobEventOut]
) -> AsyncIterator[bytes]:
    """SSE frames: what happened since `after`, then each new event until the job ends."""
    events, idle = first, 0.0
    while True:
        for e in events:
            after = e.seq
            yield f"id: {e.seq}\nevent: {e.type}\ndata: {e.model_dump_json()}\n\n".encode()
        if events and events[-1].status in TERMINAL_JOB:
            return
        if idle >= ctx.settings.sse_keepalive_s:
            idle = 0.0
            yield b": keep-alive\n\n"
        await asyncio.sleep(ctx.settings.sse_poll_s)
        idle += ctx.settings.sse_poll_s
        events = await _events_after(ctx, user, job_id, after)


def _encode_cursor(created_at: datetime, job_id: UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(job_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, job = json.loads(raw)
        return datetime.fromisoformat(at).astimezone(UTC), UUID(job)
    except (binascii.Error, ValueError, TypeError, AttributeError, OverflowError) as exc:
        raise ApiError(
            422,
            "invalid_cursor",
            "The cursor is not one this API gave out; start again without it.",
        ) from exc
