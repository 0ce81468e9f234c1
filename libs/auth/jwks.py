"""The signing keys of a Supabase project, fetched from its JWKS URL and cached by `kid`."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

Fetch = Callable[[str], Awaitable[dict[str, Any]]]


class UnknownKey(LookupError):
    """No key with this `kid` is published, even after a refresh."""


class JwksUnavailable(RuntimeError):
    """The JWKS URL could not be read (our outage, not the caller's fault)."""


class JwksCache:
    """Keys by `kid`; an unknown `kid` triggers one refresh, at most every `min_refresh_s`.

    Rotation publishes the new key before tokens are signed with it, so one refresh on an
    unknown `kid` finds it; the floor on refreshes stops forged `kid`s from hammering the URL.
    """

    def __init__(
        self,
        url: str,
        *,
        fetch: Fetch | None = None,
        max_age_s: float = 600.0,
        min_refresh_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetch = fetch or _http_fetch
        self._max_age_s = max_age_s
        self._min_refresh_s = min_refresh_s
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK:
        """The published key named `kid`; raises UnknownKey or JwksUnavailable."""
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age_s
        if stale or kid not in self._keys:
            await self._refresh(force=stale)
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKey(kid) from None

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            now = self._clock()
            recent = self._fetched_at is not None and now - self._fetched_at < self._min_refresh_s
            if recent and not force:
                return
            try:
                document = await self._fetch(self.url)
                keys = PyJWKSet.from_dict(document).keys
            except (httpx.HTTPError, ValueError, PyJWKSetError) as exc:
                if self._keys and not force:
                    return
                raise JwksUnavailable(f"the signing keys could not be read: {exc}") from exc
            self._keys = {k.key_id: k for k in keys if k.key_id is not None}
            self._fetched_at = now


async def _http_fetch(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        response = await client.get(url)
        response.raise_for_status()
        document = response.json()
    if not isinstance(document, dict):
        raise ValueError("the JWKS document is not a JSON object")
    return document
