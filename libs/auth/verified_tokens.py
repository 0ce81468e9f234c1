"""Tokens already verified, so a client polling with one token pays for the signature once."""

from collections import OrderedDict
from dataclasses import dataclass

from libs.auth.tokens import Principal

# Supabase's tokens are about 1 KB; claims a user may edit (user_metadata) can make them far
# larger, and such tokens are verified every time rather than kept.
MAX_TOKEN_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Verified:
    """A verified token's caller and the window its time claims allow (leeway included)."""

    principal: Principal
    not_before: float
    expires: float


class VerifiedTokens:
    """The most recently verified tokens, keyed by the whole token (signature included, so a
    changed byte is a miss). An entry serves while its token is within `exp`/`nbf` and for at
    most `ttl_s`, so a signing key withdrawn from the JWKS stops counting within that time."""

    def __init__(self, capacity: int = 4096, ttl_s: float = 60.0) -> None:
        self.capacity = capacity
        self.ttl_s = ttl_s
        self._entries: OrderedDict[str, tuple[Verified, float]] = OrderedDict()

    def get(self, token: str, now: float) -> Principal | None:
        """The caller of a token verified earlier and still valid at `now`, else None."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        verified, stored_at = entry
        if not verified.not_before <= now < verified.expires or now - stored_at >= self.ttl_s:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return verified.principal

    def put(self, token: str, verified: Verified, now: float) -> None:
        """Remember a token just verified; the least recently used one goes past capacity.
        A token longer than `MAX_TOKEN_CHARS` is not remembered (memory stays bounded)."""
        if len(token) > MAX_TOKEN_CHARS:
            return
        self._entries[token] = (verified, now)
        self._entries.move_to_end(token)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
