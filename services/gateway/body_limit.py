"""Request bodies have a ceiling, enforced before and while they are read (ASGI middleware)."""

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.errors import error_body


class BodyTooLarge(HTTPException):
    """The body outgrew its ceiling while it was read (an HTTP error, so the framework's body
    parsing passes it on as a 413 rather than calling the body malformed)."""

    def __init__(self) -> None:
        super().__init__(413)


class BodyLimit:
    """`limit_for(path)` bytes at most: a larger Content-Length is refused at once (413), and a
    body that keeps coming past it is cut off, whatever its headers said."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        error_body(
            "body_too_large",
            f"The request body is larger than the {limit} bytes this route accepts.",
        ),
        status_code=413,
    )
