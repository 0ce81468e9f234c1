"""Holding work through an outage of our own infrastructure: retry until the server is back,
and say meanwhile that no new work should be taken."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from libs.events.outage import is_outage
from libs.observability.metrics import OUTAGE_WAITS

log = structlog.get_logger()
T = TypeVar("T")
# Retrying work that met an outage: from quick to this, doubling.
OUTAGE_RETRY_MAX_S = 5.0


class Abandoned(Exception):
    """Work given up unsettled: the process stops while our infrastructure is unreachable."""


class OutageHold:
    """Work in hand waiting out outages: the store's or the bus's (the runner's own calls), or
    one a handler met (storage). An outage is not the job's fault, so it charges no delivery.
    `reachable` is clear while any work in hand waits one out."""

    def __init__(self, stage: str, stop: asyncio.Event) -> None:
        self.stop = stop
        self.reachable = asyncio.Event()
        self.reachable.set()
        self._waiting = 0
        self._waits = OUTAGE_WAITS.labels(stage)

    async def call(self, fn: Callable[[], Awaitable[T]], what: str = "store or bus") -> T:
        """`fn()`, retried through outages; `Abandoned` if the process stops meanwhile."""
        spell = self.spell(what)
        try:
            while True:
                try:
                    return await fn()
                except Exception as exc:
                    if not is_outage(exc):
                        raise
                    await spell.wait(exc)
        finally:
            spell.end()

    def spell(self, what: str) -> "OutageSpell":
        """The wait of one piece of work through outages of `what` (for the logs)."""
        return OutageSpell(self, what)

    def _begin(self, what: str, exc: BaseException) -> None:
        self._waiting += 1
        if self.reachable.is_set():
            log.warning(f"{what} unreachable; holding work, taking none", error=repr(exc))
            self.reachable.clear()

    def _end(self) -> None:
        self._waiting -= 1
        if self._waiting == 0:
            log.info("our infrastructure reachable again; taking work")
            self.reachable.set()


class OutageSpell:
    """One piece of work's wait through an outage: backoff from quick to OUTAGE_RETRY_MAX_S,
    and the hold's `reachable` clear from the first `wait` until `end`."""

    def __init__(self, hold: OutageHold, what: str) -> None:
        self._hold = hold
        self.what = what
        self._delay = 0.1
        self.active = False

    async def wait(self, exc: BaseException) -> None:
        """Sleep before the next try; `Abandoned` (caused by `exc`) if the process stops."""
        hold = self._hold
        if hold.stop.is_set():  # shutting down: the bus redelivers it elsewhere
            raise Abandoned from exc
        if not self.active:
            self.active = True
            hold._begin(self.what, exc)
        hold._waits.inc()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hold.stop.wait(), self._delay)
        self._delay = min(self._delay * 2, OUTAGE_RETRY_MAX_S)

    def end(self) -> None:
        """The outage is over for this work (or the work is): once; later calls do nothing."""
        if self.active:
            self.active = False
            self._hold._end()
