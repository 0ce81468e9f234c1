"""The `gateway_reads` benchmark's wiring: a gateway process on fresh servers, measured."""

import argparse
import asyncio
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID

from bench.gateway_reads import ReadConfig, ReadRun, measure_reads, seed_jobs
from bench.pipeline import bench_settings
from bench.report import emit, figure, progress
from bench.servers import files_dir, start_nats, start_postgres
from libs.config.settings import Settings
from redub.runtime.dev_stack import DevStack


def gateway_reads_bench(args: argparse.Namespace, root: Path, cleanup: ExitStack) -> None:
    """A gateway process on fresh servers: job reads next to health checks."""
    progress("gateway_reads: starting NATS, PostgreSQL and the gateway")
    nats = start_nats(root, cleanup)
    postgres = start_postgres(root, cleanup, fast=args.pg_fast)
    settings = bench_settings(root, nats, postgres, files_dir(args, cleanup))
    cfg = ReadConfig()
    stack = _started(settings, cleanup, {})
    jobs = asyncio.run(seed_jobs(settings, postgres.url, cfg.jobs))
    reads, health = _measured(stack, jobs, cfg)
    share = reads.requests_per_s / health.requests_per_s
    emit(
        figure(
            "gateway_reads",
            "throughput",
            reads.requests_per_s,
            "req/s",
            health.requests_per_s,
            target=">= 0.5",
            met=share >= 0.5,
        )
    )
    emit(figure("gateway_reads", "latency_p50", reads.p50_ms, "ms", health.p50_ms))
    emit(
        figure(
            "gateway_reads",
            "latency_p99",
            reads.p99_ms,
            "ms",
            health.p99_ms,
            target="< 25",
            met=reads.p99_ms < 25,
        )
    )
    emit(
        figure(
            "gateway_reads",
            "server_cpu_per_request",
            reads.server_cpu_ms,
            "ms",
            health.server_cpu_ms,
        )
    )
    emit(figure("healthz_baseline", "throughput", health.requests_per_s, "req/s"))
    # The same load with every request read from the database (no kept bodies): what a
    # client pays whose job changes between each two of its reads.
    progress("gateway_reads: again with REDUB_GATEWAY_VIEW_CACHE_S=0")
    cold_stack = _started(settings, cleanup, {"REDUB_GATEWAY_VIEW_CACHE_S": "0"})
    cold, cold_health = _measured(cold_stack, jobs, cfg)
    emit(
        figure(
            "gateway_reads_uncached",
            "throughput",
            cold.requests_per_s,
            "req/s",
            cold_health.requests_per_s,
        )
    )
    emit(figure("gateway_reads_uncached", "latency_p50", cold.p50_ms, "ms", cold_health.p50_ms))
    emit(figure("gateway_reads_uncached", "latency_p99", cold.p99_ms, "ms", cold_health.p99_ms))
    emit(
        figure(
            "gateway_reads_uncached",
            "server_cpu_per_request",
            cold.server_cpu_ms,
            "ms",
            cold_health.server_cpu_ms,
        )
    )


def _started(settings: Settings, cleanup: ExitStack, env: dict[str, str]) -> DevStack:
    """A gateway process started with `env` added to its environment."""
    stack = DevStack(
        settings, services=("gateway",), extra_env={"REDUB_LOG_LEVEL": "WARNING", **env}
    )
    cleanup.callback(stack.stop)
    stack.start(timeout=90)
    return stack


def _measured(stack: DevStack, jobs: list[UUID], cfg: ReadConfig) -> tuple[ReadRun, ReadRun]:
    """The stack's gateway: its job reads and health checks; the stack is stopped after."""
    s = stack.settings
    assert s.jwt_secret
    try:
        return asyncio.run(
            measure_reads(s.gateway_url, s.jwt_secret, jobs, cfg, stack.procs["gateway"].pid)
        )
    finally:
        stack.stop()
