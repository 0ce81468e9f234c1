"""The bearer-token dependency."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libs.auth.tokens import InvalidToken, Principal, verify_token
from services.gateway.errors import ApiError

bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller named by a valid Supabase JWT, or 401."""
    if credentials is None:
        raise ApiError(401, "missing_token", "Send an Authorization: Bearer <JWT> header.")
    settings = request.app.state.ctx.settings
    try:
        return verify_token(credentials.credentials, settings.jwt_secret, settings.jwt_audience)
    except InvalidToken as exc:
        raise ApiError(401, "invalid_token", f"The bearer token was refused: {exc}.") from exc
