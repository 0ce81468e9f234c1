"""API errors: a status, a machine-readable code and a sentence a person can act on."""

import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

log = structlog.get_logger()


class ApiError(Exception):
    """Raised by handlers; rendered as `{"error": {"code", "message"}}`."""

    def __init__(self, status: int, code: str, message: str, details: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    """The JSON shape of every error."""
    body: dict[str, object] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


async def api_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render an `ApiError`."""
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse(
        error_body(exc.code, exc.message, exc.details), status_code=exc.status, headers=headers
    )


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Render request validation failures with the fields at fault."""
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]} for e in exc.errors()
    ]
    first = fields[0] if fields else {"field": "", "problem": "invalid"}
    message = f"{first['field'] or 'request'}: {first['problem']}"
    return JSONResponse(error_body("invalid_request", message, fields), status_code=422)


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
