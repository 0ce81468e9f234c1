"""Holding work through an outage of our own infrastructure: retry the call until the
server is back, and say meanwhile that no new work should be taken."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from libs.events.outage import is_outage
from libs.observability.metrics import OUTAGE_WAITS

log = structlog.get_logger()
T = TypeVar("T")
# Retrying a call against an unreachable store or bus: from quick to this, doubling.
OUTAGE_RETRY_MAX_S = 5.0


class Abandoned(Exception):
    """Work given up unsettled: the process stops while the store is unreachable."""


class OutageHold:
    """Calls retried for as long as the store or bus is unreachable: an outage is not the
    job's fault, so it charges no delivery. `reachable` is clear while one lasts."""

    def __init__(self, stage: str, stop: asyncio.Event) -> None:
        self.stop = stop
        self.reachable = asyncio.Event()
        self.reachable.set()
        self._waits = OUTAGE_WAITS.labels(stage)

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """`fn()`, retried through outages; `Abandoned` if the process stops meanwhile."""
        delay = 0.1
        while True:
            try:
                result = await fn()
            except Exception as exc:
                if not is_outage(exc):
                    raise
                if self.stop.is_set():  # shutting down: the bus redelivers it elsewhere
                    raise Abandoned from exc
                if self.reachable.is_set():
                    log.warning("store or bus unreachable; holding work", error=repr(exc))
                self.reachable.clear()
                self._waits.inc()
                await asyncio.sleep(delay)
                delay = min(delay * 2, OUTAGE_RETRY_MAX_S)
                continue
            if not self.reachable.is_set():
                log.info("store and bus reachable again")
                self.reachable.set()
            return result
