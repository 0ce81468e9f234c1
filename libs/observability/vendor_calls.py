"""Recording vendor calls into the vendor metrics: latency and errors per call, and cost."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

from libs.observability.metrics import VENDOR_CALL_SECONDS, VENDOR_COST, VENDOR_ERRORS


def error_kind(exc: BaseException) -> str:
    """A small, fixed set of outcomes (labels must not grow without bound)."""
    if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__:
        return "timeout"
    # httpx.HTTPStatusError carries `.response`; the OpenAI and ElevenLabs SDKs' errors carry
    # `.status_code` (or `.status`) themselves.
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    if isinstance(status, int):
        if status == 429:
            return "rate_limited"
        return "server" if status >= 500 else "client"
    if isinstance(exc, ConnectionError) or "Connect" in type(exc).__name__:
        return "unreachable"
    return "error"


@asynccontextmanager
async def vendor_call(vendor: str, operation: str) -> AsyncIterator[None]:
    """Time one call; an exception counts as an error of its kind and is re-raised."""
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        kind = error_kind(exc)
        VENDOR_ERRORS.labels(vendor, operation, kind).inc()
        VENDOR_CALL_SECONDS.labels(vendor, operation, kind).observe(time.perf_counter() - started)
        raise
    VENDOR_CALL_SECONDS.labels(vendor, operation, "ok").observe(time.perf_counter() - started)


def record_cost(vendor: str, currency: str, amount: Decimal | float) -> None:
    """Add what a vendor charges for a call (a priced usage line's amount)."""
    if amount < 0:
        raise ValueError(f"a cost is never negative: {amount}")
    VENDOR_COST.labels(vendor, currency.upper()).inc(float(amount))
