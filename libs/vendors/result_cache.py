"""Paid results keyed by what produced them, so a retry or redelivery does not pay again.

The port is scoped to the work in hand through a context variable: a stage sets the cache
of the job it works on, and a vendor client that splits work into paid requests (a
translator's batches) looks each one up, without the provider interfaces carrying it.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class ResultCache(Protocol):
    """Immutable entries by content key: written once, never rewritten."""

    async def load(self, kind: str, key: str) -> bytes | None:
        """The entry stored under (`kind`, `key`), or None."""
        ...

    async def store(self, kind: str, key: str, data: bytes) -> None:
        """Keep `data` under (`kind`, `key`)."""
        ...


def content_key(*parts: object) -> str:
    """sha256 of the canonical JSON of everything that determines a result (pure)."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_current: ContextVar[ResultCache | None] = ContextVar("result_cache", default=None)


@contextmanager
def caching_results(cache: ResultCache | None) -> Iterator[None]:
    """Within the block, `current_cache()` is `cache`."""
    token = _current.set(cache)
    try:
        yield
    finally:
        _current.reset(token)


def current_cache() -> ResultCache | None:
    """The cache of the work in hand, if its stage set one."""
    return _current.get()
