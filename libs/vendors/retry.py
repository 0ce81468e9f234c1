"""Retries with jittered exponential backoff that honour `Retry-After` (pure parts first)."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import structlog

from libs.vendors.errors import VendorTransientError

log = structlog.get_logger()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently one call is retried inside a client."""

    # Tries in all (the first one included).
    attempts: int = 4
    base_s: float = 0.5
    max_s: float = 20.0
    # A `Retry-After` longer than this is not waited out here: the error goes to the
    # runner, which holds the message and tries the work again later.
    max_retry_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_s < 0 or self.max_s < 0:
            raise ValueError("attempts must be at least 1 and delays non-negative")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or an HTTP date); None if
    absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(
    retry: int, policy: RetryPolicy, retry_after_s: float | None, jitter: float
) -> float:
    """Seconds before retry number `retry` (1 = the first retry): "full jitter" backoff,
    `jitter` in [0, 1), and never sooner than the vendor's `Retry-After`."""
    ceiling = min(policy.max_s, policy.base_s * 2.0 ** (retry - 1))
    delay = ceiling * jitter
    return max(delay, retry_after_s) if retry_after_s is not None else delay


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """`call()`, retried on `VendorTransientError` per `policy`; the last error is raised
    (a transient one the runner retries later, holding the message)."""
    for retry in range(policy.attempts):
        try:
            return await call()
        except VendorTransientError as exc:
            last = retry == policy.attempts - 1
            too_long = (
                exc.retry_after_s is not None and exc.retry_after_s > policy.max_retry_after_s
            )
            if last or too_long:
                raise
            delay = retry_delay(retry + 1, policy, exc.retry_after_s, jitter())
            log.info(
                "vendor call failed; retrying", vendor=exc.vendor, error=exc.reason, delay_s=delay
            )
            await sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")
