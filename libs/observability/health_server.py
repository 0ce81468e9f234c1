"""A small HTTP server beside a service's work: `/metrics`, `/healthz` and `/readyz`."""

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable, Iterator, Mapping

import structlog
import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from libs.observability.metrics import READY

# A check returns None when its dependency is fine, else a short reason.
Check = Callable[[], Awaitable[str | None]]
CHECK_TIMEOUT_S = 2.0
log = structlog.get_logger()


async def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    """Every check at once, each bounded by `CHECK_TIMEOUT_S`: name -> "ok" or the reason."""

    async def one(check: Check) -> str:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                return await check() or "ok"
        except TimeoutError:
            return f"no answer within {CHECK_TIMEOUT_S:g} s"
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:200]

    results = await asyncio.gather(*(one(c) for c in checks.values()))
    return dict(zip(checks, results, strict=True))


async def readiness(checks: Mapping[str, Check]) -> JSONResponse:
    """200 with every check "ok", else 503 naming what failed."""
    results = await run_checks(checks)
    ready = all(r == "ok" for r in results.values())
    READY.set(1 if ready else 0)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": results},
        status_code=200 if ready else 503,
    )


def health_app(checks: Mapping[str, Check]) -> Starlette:
    """`/healthz`: the process answers; `/readyz`: 200 when every check passes, else 503."""

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        return await readiness(checks)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
        ]
    )


class _QuietServer(uvicorn.Server):
    # The service owns SIGTERM/SIGINT (they drain it); this server must not take them.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_health(
    port: int, checks: Mapping[str, Check], stop: asyncio.Event, host: str = "0.0.0.0"
) -> None:
    """Serve until `stop` is set. A port that cannot be bound is logged, not fatal: metrics
    are for watching the work, not a reason to refuse it."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        log.error("metrics port unavailable", port=port, error=repr(exc))
        return
    # uvicorn's own lines are plain text: only its warnings are worth a line here.
    config = uvicorn.Config(
        health_app(checks),
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = _QuietServer(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopped.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        sock.close()
