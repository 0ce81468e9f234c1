"""A replica of one stage for `--only mixed_work`: the real stage with the instant providers,
each work item first sleeping 10 ms or, for a deterministic 1 in 10 (`bench.slow_items`),
2 s; every item handled is a line in `<BENCH_ITEMS_DIR>/<stage>.<pid>.items`.

Run as `python -m bench.mixed_stage <stage>` with the stage's environment plus
BENCH_SLOW_FRACTION, BENCH_FAST_S, BENCH_SLOW_S and BENCH_ITEMS_DIR.
"""

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bench.slow_items import is_slow
from libs.config.settings import Settings, get_settings
from libs.events.catalogue import Payload
from libs.events.stage import Stage
from libs.events.work import WorkItem
from libs.observability.logging import configure_logging
from redub.registry import STAGES
from redub.runtime.connections import Connections
from redub.runtime.serve_stage import serve_stage


class SleepingStage(Stage[Payload]):
    """The real stage (consumer, items, handler, events); each item waits first."""

    def __init__(
        self, real: Stage[Any], fraction: float, fast_s: float, slow_s: float, items: TextIO
    ) -> None:
        self.real = real
        self.name = real.name  # type: ignore[misc]
        self.consumes = real.consumes
        self.runner_defaults = real.runner_defaults  # type: ignore[misc]
        self.fraction = fraction
        self.fast_s = fast_s
        self.slow_s = slow_s
        self.items = items

    def work_items(self, payload: Payload) -> Sequence[str]:
        return self.real.work_items(payload)

    def language_of(self, payload: Payload, item: str) -> str | None:
        return self.real.language_of(payload, item)

    async def handle(self, payload: Payload, work: WorkItem) -> Sequence[Payload]:
        job = str(work.job_id)
        key = self.real.language_of(payload, work.item) or ""
        slow = is_slow(job, self.name, key, self.fraction)
        started = time.time()
        await asyncio.sleep(self.slow_s if slow else self.fast_s)
        payloads = await self.real.handle(payload, work)
        # job, item, slow?, handler start and end (epoch s); one line per handled item.
        self.items.write(f"{job}\t{key}\t{int(slow)}\t{started:.6f}\t{time.time():.6f}\n")
        return payloads


def build(settings: Settings, conns: Connections) -> Stage[Any]:
    """The sleeping twin of the stage named on the command line."""
    name = sys.argv[1]
    folder = Path(os.environ["BENCH_ITEMS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    items = (folder / f"{name}.{os.getpid()}.items").open("a", buffering=1)
    return SleepingStage(
        STAGES[name](settings, conns),
        float(os.environ.get("BENCH_SLOW_FRACTION", "0.1")),
        float(os.environ.get("BENCH_FAST_S", "0.01")),
        float(os.environ.get("BENCH_SLOW_S", "2.0")),
        items,
    )


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, service=sys.argv[1])
    asyncio.run(serve_stage(settings, build))
