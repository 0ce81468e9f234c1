"""The scoped tokens of Supabase Storage's signed URLs: JWTs signed with a key of Storage's
own (never the caller's), naming the object and what they allow (`download`, `upload`).
Test-only: the `x-fake-clock-offset` header moves the clock a token is checked against."""

import secrets
import time
from typing import Any

import jwt
from starlette.requests import Request

from tests.support.supabase_storage_errors import StorageError

CLOCK_HEADER = "x-fake-clock-offset"


class UrlTokens:
    """Issues the tokens of signed URLs and checks them as Storage does."""

    def __init__(self) -> None:
        self._signing_key = secrets.token_bytes(32)

    def issue(self, claims: dict[str, Any], expires_in: int) -> str:
        now = int(time.time())
        payload = claims | {"iat": now, "exp": now + expires_in}
        return jwt.encode(payload, self._signing_key, algorithm="HS256")

    def verify(self, request: Request, scope: str) -> dict[str, Any]:
        """The claims of the request's `token`, scoped for `scope` on the request's object."""
        token = request.query_params.get("token")
        if not token:
            raise StorageError(
                400, "InvalidRequest", "querystring must have required property 'token'"
            )
        try:
            claims: dict[str, Any] = jwt.decode(
                token, self._signing_key, algorithms=["HS256"], options={"verify_exp": False}
            )
        except jwt.InvalidTokenError as exc:
            raise StorageError(400, "InvalidJWT", str(exc)) from exc
        if claims.get("scope") != scope:
            raise StorageError(400, "InvalidSignature", f"Token is not scoped for {scope}")
        if claims.get("url") != f"{request.path_params['bucket']}/{request.path_params['key']}":
            raise StorageError(400, "InvalidSignature", "Invalid signature")
        now = time.time() + float(request.headers.get(CLOCK_HEADER, "0"))
        if claims["exp"] < now:
            raise StorageError(400, "ExpiredToken", "The provided token has expired.")
        return claims
