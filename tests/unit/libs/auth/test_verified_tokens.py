"""Verified tokens remembered: a hit needs the exact token, and time claims still apply."""

import asyncio
import time
from uuid import uuid4

import jwt
import pytest

from libs.auth.tokens import InvalidToken, Principal, mint_token
from libs.auth.verified_tokens import MAX_TOKEN_CHARS, Verified, VerifiedTokens
from libs.auth.verifier import TokenPolicy, TokenVerifier

SECRET = "a-private-test-secret-of-at-least-32-bytes"


def entry(expires: float = 100.0, not_before: float = 0.0) -> Verified:
    return Verified(Principal(uuid4(), "authenticated"), not_before, expires)


def test_an_entry_serves_only_inside_its_window_and_its_ttl() -> None:
    tokens = VerifiedTokens(ttl_s=60)
    tokens.put("t", entry(expires=100, not_before=10), now=20)
    assert tokens.get("t", now=5) is None  # before nbf: dropped
    tokens.put("t", entry(expires=100, not_before=10), now=20)
    assert tokens.get("t", now=50) is not None
    assert tokens.get("t", now=80) is None  # 60 s after it was verified
    tokens.put("t", entry(expires=100), now=70)
    assert tokens.get("t", now=100) is None  # expired
    assert tokens.get("other", now=0) is None


def test_the_least_recently_used_token_goes_past_capacity() -> None:
    tokens = VerifiedTokens(capacity=2)
    for name in ("a", "b"):
        tokens.put(name, entry(), now=0)
    assert tokens.get("a", now=1) is not None  # "b" is now the least recently used
    tokens.put("c", entry(), now=1)
    assert [t for t in "abc" if tokens.get(t, now=2)] == ["a", "c"]


async def test_a_remembered_token_still_expires() -> None:
    verifier = TokenVerifier(TokenPolicy(leeway_s=0), secret=SECRET)
    token = mint_token(uuid4(), SECRET, ttl_s=1)
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    await asyncio.sleep(
        max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"] - time.time()) + 0.05
    )
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


async def test_a_changed_signature_is_not_served_from_memory() -> None:
    verifier = TokenVerifier(TokenPolicy(), secret=SECRET)
    token = mint_token(uuid4(), SECRET)
    await verifier.verify(token)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    with pytest.raises(InvalidToken):
        await verifier.verify(forged)


def test_a_very_long_token_is_not_remembered() -> None:
    tokens = VerifiedTokens()
    tokens.put("t" * (MAX_TOKEN_CHARS + 1), entry(), now=0)
    tokens.put("short", entry(), now=0)
    assert tokens.get("t" * (MAX_TOKEN_CHARS + 1), now=1) is None
    assert tokens.get("short", now=1) is not None
