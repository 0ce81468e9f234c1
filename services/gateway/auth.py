"""Bearer-token authentication, done before a protected route reads a byte of the body."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from libs.auth.jwks import JwksCache, JwksUnavailable
from libs.auth.tokens import InvalidToken, Principal
from libs.auth.verifier import TokenPolicy, TokenVerifier
from libs.config.settings import Settings
from services.gateway.errors import ApiError, error_body

# Documents the scheme in OpenAPI; the check itself is `BearerAuth`, which runs first.
bearer = HTTPBearer(auto_error=False, description="A Supabase-issued JWT of a signed-in user.")
PRINCIPAL = "redub.principal"


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

    def __init__(self, app: ASGIApp, verifier: TokenVerifier, routes: list[BaseRoute]) -> None:
        self.app = app
        self.verifier = verifier
        self.routes = routes

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
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return isinstance(route, APIRoute) and _takes_user(route)
        return False


_MISSING = "Send an Authorization: Bearer <JWT> header with a signed-in user's token."


def _takes_user(route: APIRoute) -> bool:
    return any(d.call is current_principal for d in route.dependant.dependencies)


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
