"""The verified caller, the refusal of a token, and minting tokens for development and tests."""

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import jwt


class InvalidToken(Exception):
    """A bearer token that is missing, malformed, expired or not ours (the message says which)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, and the claims their token carried (for row-level security)."""

    user_id: UUID
    role: str
    claims: Mapping[str, object] = field(default_factory=dict)


def mint_token(
    user_id: UUID,
    secret: str,
    ttl_s: int = 3600,
    audience: str = "authenticated",
    *,
    role: str = "authenticated",
    algorithm: str = "HS256",
    kid: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """A token as Supabase Auth would issue it; `secret` is a PEM private key for ES/RS256."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "aud": audience,
        "role": role,
        "iat": now,
        "exp": now + ttl_s,
        **(extra or {}),
    }
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, secret, algorithm=algorithm, headers=headers)
