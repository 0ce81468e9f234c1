"""One JSON log line per HTTP request (method, path, status, duration, job when the path names one)."""

import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger()
JOB_IN_PATH = re.compile(r"/jobs/([0-9a-fA-F-]{36})")
# Probes and scrapes arrive every few seconds from every watcher: not worth a line each.
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestLog:
    """Pure ASGI middleware (no buffering of streamed bodies, unlike `BaseHTTPMiddleware`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in QUIET:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        job = JOB_IN_PATH.search(path)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with structlog.contextvars.bound_contextvars(
            method=scope.get("method"), path=path, **({"job_id": job[1]} if job else {})
        ):
            try:
                await self.app(scope, receive, send_status)
            finally:
                log.info(
                    "request", status=status, duration_s=round(time.perf_counter() - started, 4)
                )
