"""Supabase-style JWTs: HS256 with the project's secret, audience `authenticated`."""

import time
from dataclasses import dataclass
from uuid import UUID

import jwt


class InvalidToken(Exception):
    """A bearer token that is missing, malformed, expired or not ours."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling."""

    user_id: UUID
    role: str


def verify_token(token: str, secret: str, audience: str = "authenticated") -> Principal:
    """Check signature, expiry and audience; the subject is the user's id."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            audience=audience,
            options={"require": ["exp", "sub"]},
        )
        return Principal(UUID(claims["sub"]), str(claims.get("role", "authenticated")))
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc


def mint_token(
    user_id: UUID, secret: str, ttl_s: int = 3600, audience: str = "authenticated"
) -> str:
    """A token as Supabase Auth would issue it (for development and tests)."""
    now = int(time.time())
    claims = {
        "sub": str(user_id),
        "aud": audience,
        "role": "authenticated",
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm="HS256")
