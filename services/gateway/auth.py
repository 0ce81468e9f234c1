"""Bearer-token authentication, done before a protected route reads a byte of the body."""

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.auth.jwks import JwksCache, JwksUnavailable
from libs.auth.tokens import InvalidToken, Principal
from libs.auth.verifier import TokenPolicy, TokenVerifier
from libs.config.settings import Settings
from services.gateway.errors import ApiError, error_body

# Documents the scheme in OpenAPI; the check itself is `BearerAuth`, which runs first.
bearer = HTTPBearer(auto_error=False, description="A Supabase-issued JWT of a signed-in user.")
PRINCIPAL = "redub.principal"
# Paths (prefixes) under /v1/ that need no token: the API's documents, the signed blob URLs
# and download links (their signature is the credential) and the languages on offer.
PUBLIC_PATHS = ("/v1/docs", "/v1/openapi.json", "/v1/blobs/", "/v1/downloads/", "/v1/languages")


def token_verifier(settings: Settings) -> TokenVerifier:
    """The verifier the settings describe (HS256 secret and/or the project's JWKS)."""
    jwks = JwksCache(settings.jwt_jwks_url) if settings.jwt_jwks_url else None
    policy = TokenPolicy(
        audience=settings.jwt_audience, issuer=settings.jwt_issuer, leeway_s=settings.jwt_leeway_s
    )
    return TokenVerifier(policy, secret=settings.jwt_secret, jwks=jwks)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller `BearerAuth` verified for this request."""
    principal = request.scope.get(PRINCIPAL)
    if not isinstance(principal, Principal):  # a route mounted without the middleware
        raise ApiError(401, "missing_token", "Send an Authorization: Bearer <JWT> header.")
    return principal


class BearerAuth:
    """ASGI middleware: a request to a route that needs a user carries a valid token, or is
    answered 401 before its body is read or parsed (no upload is spooled for a stranger)."""

    def __init__(
        self, app: ASGIApp, verifier: TokenVerifier, public: Collection[str] = PUBLIC_PATHS
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.public = tuple(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._needs_user(scope):
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            await _refuse(scope, receive, send, "missing_token", _MISSING, None)
            return
        try:
            scope[PRINCIPAL] = await self.verifier.verify(token.strip())
        except InvalidToken as exc:
            message = f"The bearer token was refused: {exc}."
            await _refuse(scope, receive, send, "invalid_token", message, str(exc))
            return
        except JwksUnavailable:
            response = JSONResponse(
                error_body(
                    "auth_unavailable",
                    "Tokens cannot be checked right now (the signing keys are unreachable); "
                    "retry shortly.",
                ),
                status_code=503,
                headers={"Retry-After": "5"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _needs_user(self, scope: Scope) -> bool:
        # Everything under /v1/ is a user's, but for the listed public paths; a stranger gets
        # 401 even for a path that does not exist (routes are not enumerable without a token).
        path: str = scope["path"]
        return path.startswith("/v1/") and not path.startswith(self.public)


_MISSING = "Send an Authorization: Bearer <JWT> header with a signed-in user's token."


async def _refuse(
    scope: Scope, receive: Receive, send: Send, code: str, message: str, why: str | None
) -> None:
    challenge = 'Bearer realm="redub"'
    if why is not None:
        description = why.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    response = JSONResponse(
        error_body(code, message), status_code=401, headers={"WWW-Authenticate": challenge}
    )
    await response(scope, receive, send)
