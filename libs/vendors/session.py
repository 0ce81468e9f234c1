"""One vendor's connection for a whole process: an HTTP client opened once, a bound on
concurrent calls, and the retry policy every call goes through."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from libs.vendors.errors import VendorTransientError
from libs.vendors.paid_calls import check_call_wanted
from libs.vendors.retry import RetryPolicy, with_retries

T = TypeVar("T")
# The sessions whose slot the running task holds (`VendorSession.held`): its calls use it.
_HOLDING: ContextVar[frozenset[int]] = ContextVar("vendor_slots_held", default=frozenset())


@dataclass(frozen=True, slots=True)
class VendorConfig:
    """Where a vendor is and how to talk to it."""

    vendor: str
    api_key: str
    base_url: str
    # Calls in flight at once from this process (the vendor's concurrency limit, shared).
    max_concurrent: int = 8
    timeout_s: float = 60.0
    connect_timeout_s: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class VendorSession:
    """The HTTP client, semaphore and retry policy of one vendor in one process."""

    def __init__(self, config: VendorConfig) -> None:
        if config.max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.config = config
        self.vendor = config.vendor
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(config.timeout_s, connect=config.connect_timeout_s),
            limits=httpx.Limits(max_connections=config.max_concurrent * 2),
        )
        self._gate = asyncio.Semaphore(config.max_concurrent)
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self.in_flight = 0

    def on_close(self, closer: Callable[[], Awaitable[None]]) -> None:
        """Close something else with the session (an SDK's own HTTP client)."""
        self._closers.append(closer)

    async def call(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """`attempt()` under the concurrency bound, retried per the policy. The bound is
        held per try, not across a backoff, so waiting calls leave room for others. A try
        whose work failed while it waited for the bound is not sent (`CallNotStarted`)."""

        async def gated() -> T:
            held = id(self) in _HOLDING.get()
            async with contextlib.nullcontext() if held else self._gate:
                check_call_wanted()
                self.in_flight += 1
                try:
                    return await attempt()
                except httpx.TimeoutException as exc:
                    raise VendorTransientError(
                        self.vendor, f"timed out ({type(exc).__name__})"
                    ) from exc
                except httpx.TransportError as exc:
                    raise VendorTransientError(
                        self.vendor, f"unreachable ({type(exc).__name__})"
                    ) from exc
                finally:
                    self.in_flight -= 1

        return await with_retries(gated, self.config.retry)

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """One of the bound's slots, held across the task's calls and the keeping of what
        they paid for: a process then holds at most `max_concurrent` paid results not yet
        stored, all a crash can lose. (Backoffs inside it keep the slot.)"""
        async with self._gate:
            token = _HOLDING.set(_HOLDING.get() | {id(self)})
            try:
                yield
            finally:
                _HOLDING.reset(token)

    async def aclose(self) -> None:
        """Close the HTTP clients (their pooled connections)."""
        for closer in reversed(self._closers):
            await closer()
        await self.http.aclose()
