"""Readiness checks of a process's dependencies, for `/readyz`."""

from typing import Protocol

import asyncpg

from libs.events.jetstream_bus import JetStreamBus
from libs.observability.health_server import Check


def nats_check(bus: JetStreamBus) -> Check:
    """NATS answers a round trip."""

    async def check() -> str | None:
        if not bus.nc.is_connected:
            return "not connected to NATS"
        await bus.nc.flush(timeout=1)
        return None

    return check


def postgres_check(pool: asyncpg.Pool) -> Check:
    """PostgreSQL answers a query."""

    async def check() -> str | None:
        await pool.fetchval("SELECT 1")
        return None

    return check


def consumer_check(bus: JetStreamBus, consumer: str, bound: "BoundFlag") -> Check:
    """The process holds its durable consumer, and the server still has it."""

    async def check() -> str | None:
        if not bound.bound:
            return "consumer not bound"
        await bus.js.consumer_info(bus.stream, consumer)
        return None

    return check


class BoundFlag(Protocol):
    """Anything that says whether it holds its consumer (the stage runner does)."""

    bound: bool
