"""API errors: a status, a machine-readable code and a sentence a person can act on."""

import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger()


class ApiError(Exception):
    """Raised by handlers; rendered as `{"error": {"code", "message"}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: object = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    """The JSON shape of every error."""
    body: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render an `ApiError`."""
    assert isinstance(exc, ApiError)
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="redub"')
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=headers
    )


_HTTP_CODES = {
    400: ("malformed_request", "The request body could not be parsed; check its format."),
    404: ("not_found", "There is nothing at this path; see /v1/docs for the API's routes."),
    405: ("method_not_allowed", "This path does not take that method; see /v1/docs."),
    413: ("too_large", "The request body is too large."),
    415: ("unsupported_media_type", "This route does not take that content type."),
}


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The framework's own errors (unknown route, wrong method, unparsable body) in our shape."""
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_CODES.get(
        exc.status_code, ("http_error", "The request could not be served as sent.")
    )
    headers = dict(exc.headers or {})
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render request validation failures with the fields at fault."""
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]} for e in exc.errors()
    ]
    first = fields[0] if fields else {"field": "", "problem": "invalid"}
    message = f"{first['field'] or 'request'}: {first['problem']}"
    # A body that is not JSON at all is its own mistake (the fields cannot be told apart).
    code = "invalid_json" if any(e["type"] == "json_invalid" for e in exc.errors()) else None
    return JSONResponse(error_body(code or "invalid_request", message, fields), status_code=422)


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Anything unforeseen (a database restart, say): a JSON 503 the client may retry."""
    log.exception("unhandled error", path=request.url.path)
    return JSONResponse(
        error_body(
            "temporarily_unavailable",
            "The service could not complete the request; retry it shortly "
            "(with the same Idempotency-Key for job submissions).",
        ),
        status_code=503,
        headers={"Retry-After": "1"},
    )
