"""Waiting out a vendor's bad minute in place: one work item's handler tried again while its
message is held, until `transient_hold_s` has passed; past it the error uses a delivery."""

import asyncio
import time

from libs.events.backoff import backoff_delay
from libs.events.runner_config import RunnerConfig
from libs.events.stage import TransientError


class TransientHold:
    """The transient errors of one item's tries, from the first try (or since an outage)."""

    def __init__(self, config: RunnerConfig, stop: asyncio.Event) -> None:
        self.config = config
        self.stop = stop
        self.until = time.monotonic() + config.transient_hold_s
        self.tries = 0

    def delay(self, exc: TransientError) -> float | None:
        """The wait before trying again after `exc`; None when the hold is over (it would end
        past `transient_hold_s`, or the process is stopping): `exc` is then a failure."""
        self.tries += 1
        c = self.config
        if exc.retry_after_s is not None:  # the vendor's `Retry-After`
            wait = max(exc.retry_after_s, 0.0)
        else:
            wait = backoff_delay(self.tries, c.backoff_base_s, c.backoff_max_s)
        if self.stop.is_set() or time.monotonic() + wait > self.until:
            return None
        return wait
