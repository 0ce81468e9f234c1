"""The `gateway_reads` benchmark's wiring: a gateway process on fresh servers, measured."""

import argparse
import asyncio
from contextlib import ExitStack
from pathlib import Path

from bench.gateway_reads import ReadConfig, measure_reads, seed_jobs
from bench.pipeline import bench_settings
from bench.report import emit, figure, progress
from bench.servers import files_dir, start_nats, start_postgres
from redub.runtime.dev_stack import DevStack


def gateway_reads_bench(args: argparse.Namespace, root: Path, cleanup: ExitStack) -> None:
    """A gateway process on fresh servers: job reads next to health checks."""
    progress("gateway_reads: starting NATS, PostgreSQL and the gateway")
    nats = start_nats(root, cleanup)
    postgres = start_postgres(root, cleanup, fast=args.pg_fast)
    settings = bench_settings(root, nats, postgres, files_dir(args, cleanup))
    stack = DevStack(settings, services=("gateway",), extra_env={"REDUB_LOG_LEVEL": "WARNING"})
    cleanup.callback(stack.stop)
    stack.start(timeout=90)
    cfg = ReadConfig()
    jobs = asyncio.run(seed_jobs(settings, postgres.url, cfg.jobs))
    assert settings.jwt_secret
    pid = stack.procs["gateway"].pid
    reads, health = asyncio.run(
        measure_reads(settings.gateway_url, settings.jwt_secret, jobs, cfg, pid)
    )
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
