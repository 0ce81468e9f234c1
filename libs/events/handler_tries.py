"""The handler of one work item within one delivery, tried again in place (the message held by
heartbeats, no delivery used) through a vendor's bad minute (`TransientError`) and through an
outage of our own infrastructure (`Outage`); every try under an attempt token of its own.

What a try after an outage repeats is the stage's to limit: each stage reads its inputs from
storage before it pays a vendor, so tries during the outage pay nothing, and keeps what it
paid for (in the job's result cache, or kept by this process in `libs.storage.unstored`
when the store went down before it was stored), so no try pays for work done already.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic

import structlog

from libs.events.catalogue import Payload
from libs.events.outage import is_our_outage
from libs.events.outage_hold import Abandoned, OutageHold, OutageSpell
from libs.events.runner_config import RunnerConfig
from libs.events.stage import P, PermanentError, Stage, TransientError
from libs.events.transient_hold import TransientHold
from libs.events.work import WorkItem

log = structlog.get_logger()
# A try after an outage that has run this long without meeting it again got past the calls
# that failed (longer than a storage adapter's own retries): the outage is over for it, and
# the stage may take new work while it finishes.
RECOVERED_AFTER_S = 30.0


class HandlerTimedOut(Exception):
    """A try outran `handler_timeout_s` (a vendor that never answers): an ordinary failure."""


class HandlerTries(Generic[P]):
    """Tries of `stage.handle` on one item of one delivery; `work` is the latest try's."""

    def __init__(
        self,
        stage: Stage[P],
        payload: P,
        new_work: Callable[[], WorkItem],
        discard: Callable[[WorkItem], Awaitable[None]],
        hold: OutageHold,
        config: RunnerConfig,
    ) -> None:
        self.stage = stage
        self.payload = payload
        self.new_work = new_work
        self.discard = discard
        self.hold = hold
        self.config = config
        self.work = new_work()

    async def run(self) -> list[Payload]:
        """The output of the first try that gives one. Otherwise the last try's error: a
        `PermanentError`, `HandlerTimedOut`, a transient error past its hold, any other (that
        try's blobs are the caller's to discard), or `Abandoned` when the process stops during
        an outage. Tries that met an outage have their blobs discarded here once it is over."""
        stop = self.hold.stop
        transient = TransientHold(self.config, stop)
        spell = self.hold.spell("storage")
        met_outage: list[WorkItem] = []
        try:
            while True:
                try:
                    payloads = await self._try(spell)
                    break
                except (PermanentError, HandlerTimedOut):
                    raise
                except TransientError as exc:
                    wait = transient.delay(exc)
                    if wait is None:
                        raise
                    log.warning("transient error; retrying in place", error=repr(exc))
                    await self.discard(self.work)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), wait)
                except Exception as exc:
                    if not is_our_outage(exc):
                        raise
                    # Not the job's fault and no vendor's: wait until the server is back,
                    # then try again. Its blobs go once the store can be reached.
                    log.info("the handler met an outage; retrying in place", error=repr(exc))
                    met_outage.append(self.work)
                    await spell.wait(exc)
                    transient = TransientHold(self.config, stop)  # a vendor's minute anew
                self.work = self.new_work()
        except Exception as exc:
            spell.end()
            # Stopping during the outage: the store is still down; the leftovers of the
            # tries stay for the janitor's purge of the job.
            if met_outage and not isinstance(exc, Abandoned):
                await self._discard_all(met_outage)
            raise
        spell.end()
        await self._discard_all(met_outage)
        return payloads

    async def _try(self, spell: OutageSpell) -> list[Payload]:
        timeout_s = self.config.handler_timeout_s
        loop = asyncio.get_running_loop()
        recovered = loop.call_later(RECOVERED_AFTER_S, spell.end) if spell.active else None
        try:
            async with asyncio.timeout(timeout_s) as deadline:
                return list(await self.stage.handle(self.payload, self.work))
        except TimeoutError as exc:
            if deadline.expired():
                raise HandlerTimedOut(f"the handler did not finish within {timeout_s:g} s") from exc
            raise
        finally:
            if recovered is not None:
                recovered.cancel()

    async def _discard_all(self, tries: list[WorkItem]) -> None:
        for work in tries:
            await self.discard(work)
