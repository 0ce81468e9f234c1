"""Runs one stage service as a process: connect, consume, drain on SIGTERM."""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from libs.config.runner_overrides import runner_config
from libs.config.settings import Settings
from libs.events.consumer_lag import watch_consumer_lag
from libs.events.pipeline_gauges import watch_pipeline_gauges
from libs.events.readiness import consumer_check, nats_check, postgres_check
from libs.events.runner import StageRunner
from libs.events.stage import Stage
from libs.observability.health_server import serve_health
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
    use_scratch_root(settings.scratch_dir)
    conns = await connect(settings, stage=True)
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
    # /healthz keeps answering while the stage drains; the watchers end with it. Without a
    # metrics port nobody reads the gauges, so they are not refreshed either.
    done = asyncio.Event()
    bus = conns.bus
    watchers = []
    if settings.metrics_port:
        consumers = [
            (bus.stream, stage.name),
            (f"{bus.stream}_ADVISORIES", f"{stage.name}_exhausted"),
        ]
        checks = {
            "nats": nats_check(bus),
            "postgres": postgres_check(conns.store.pool),
            "consumer": consumer_check(bus, stage.name, runner),
        }
        watchers = [
            serve_health(settings.metrics_port, checks, done),
            watch_consumer_lag(bus.js, consumers, done, settings.metrics_refresh_s),
            watch_pipeline_gauges(conns.store.pool, done, settings.metrics_refresh_s),
        ]

    async def work() -> None:
        try:
            await asyncio.gather(
                runner.run(), *(extra(settings, conns, runner.stop) for extra in extras)
            )
        finally:
            done.set()

    try:
        await asyncio.gather(work(), *watchers)
    finally:
        await conns.close()
        log.info("stage stopped", stage=stage.name)
