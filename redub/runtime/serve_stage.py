"""Runs one stage service as a process: connect, consume, drain on SIGTERM."""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from prometheus_client import start_http_server

from libs.config.runner_overrides import runner_config
from libs.config.settings import Settings
from libs.events.runner import StageRunner
from libs.events.stage import Stage
from libs.storage.scratch import use_scratch_root
from redub.runtime.connections import Connections, connect
from redub.runtime.heap import settle_heap

log = structlog.get_logger()
Extra = Callable[[Settings, Connections, asyncio.Event], Awaitable[None]]


async def serve_stage(
    settings: Settings,
    build: Callable[[Settings, Connections], Stage[Any]],
    extras: tuple[Extra, ...] = (),
) -> None:
    """Serve until SIGTERM/SIGINT, then finish the batch in hand, drain and exit."""
    if settings.metrics_port:
        try:
            start_http_server(settings.metrics_port)
        except OSError as exc:
            # Metrics are for watching the work, not a reason to refuse it.
            log.error("metrics port unavailable", port=settings.metrics_port, error=repr(exc))
    use_scratch_root(settings.scratch_dir)
    conns = await connect(settings)
    stage = build(settings, conns)
    config = runner_config(
        stage.name, stage.runner_defaults, settings.relay_interval_s, settings.relay_grace_s
    )
    runner = StageRunner(stage, conns.store, conns.bus, config)
    settle_heap(settings.gc_young_threshold)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runner.stop.set)
    log.info(
        "stage started",
        stage=stage.name,
        consumes=stage.consumes.type,
        concurrency=config.concurrency,
        ack_wait_s=config.ack_wait_s,
        max_deliver=config.max_deliver,
        handler_timeout_s=config.handler_timeout_s,
    )
    try:
        await asyncio.gather(
            runner.run(), *(extra(settings, conns, runner.stop) for extra in extras)
        )
    finally:
        await conns.close()
        log.info("stage stopped", stage=stage.name)
