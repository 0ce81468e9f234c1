"""Helpers for fault tests against a running stack: raw JetStream messages, consumer state,
Prometheus scrapes, extra stage replicas, and checks on the event log and the blobs."""

import asyncio
import hashlib
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
import psycopg
from nats.js.api import ConsumerInfo

from libs.servers.ports import free_port
from redub.runtime.dev_stack import DevStack

ADVISORY = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine to completion from a synchronous test."""

    async def main() -> T:
        return await coro

    return asyncio.run(main())


async def with_js(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """`work(js)` on a fresh connection to the stack's NATS server."""
    nc = await nats.connect(url, connect_timeout=5)
    try:
        return await work(nc.jetstream())
    finally:
        await nc.close()


def publish_raw(url: str, messages: list[tuple[str, bytes]]) -> list[int]:
    """Publish bodies as they are (no envelope checks); their stream sequences."""

    async def work(js: Any) -> list[int]:
        return [(await js.publish(subject, data)).seq for subject, data in messages]

    return run(with_js(url, work))


def last_seq(url: str, stream: str, subject: str) -> int:
    """Stream sequence of the last message on `subject`."""

    async def work(js: Any) -> int:
        return int((await js.get_last_msg(stream, subject)).seq)

    return run(with_js(url, work))


def consumers(url: str, stream: str) -> list[ConsumerInfo]:
    """Every consumer of `stream`."""

    async def work(js: Any) -> list[ConsumerInfo]:
        return list(await js.consumers_info(stream))

    return run(with_js(url, work))


def wait_consumers_idle(url: str, streams: list[str], timeout: float = 20) -> list[ConsumerInfo]:
    """Wait until no consumer of `streams` has a message pending or unacknowledged."""
    deadline = time.monotonic() + timeout
    while True:
        infos = [i for s in streams for i in consumers(url, s)]
        busy = [
            (i.name, i.num_pending, i.num_ack_pending)
            for i in infos
            if i.num_pending or i.num_ack_pending
        ]
        if not busy:
            return infos
        assert time.monotonic() < deadline, f"consumers never settled: {busy}"
        time.sleep(0.25)


def metric(port: int, name: str, **labels: str) -> float:
    """One sample of a Prometheus counter or gauge served on `port` (0 when absent)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line[: line.rindex("}")]))
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def events(database_url: str, job_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows of job_events (of some jobs, or all) as dicts, in log order."""
    query = "SELECT * FROM job_events"
    params: tuple[Any, ...] = ()
    if job_ids is not None:
        query += " WHERE job_id = ANY(%s::uuid[])"
        params = (job_ids,)
    with psycopg.connect(database_url) as conn:
        cur = conn.execute(query + " ORDER BY position", params)
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def wire(row: dict[str, Any], **changes: Any) -> bytes:
    """The message body the bus would carry for a job_events row, with `changes` applied."""
    body = {
        "position": row["position"],
        "event_id": str(row["event_id"]),
        "job_id": str(row["job_id"]),
        "seq": row["seq"],
        "type": row["type"],
        "schema_version": row["schema_version"],
        "payload": row["payload"],
        "correlation_id": str(row["correlation_id"]),
        "causation_id": str(row["causation_id"]) if row["causation_id"] else None,
        "user_id": str(row["user_id"]) if row["user_id"] else None,
        "occurred_at": row["occurred_at"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
    }
    body.update({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in changes.items()})
    return json.dumps(body).encode()


def advisory(stream: str, consumer: str, stream_seq: int, deliveries: int = 5) -> bytes:
    """A max-deliveries advisory as the server writes it (the fields the runner reads)."""
    return json.dumps(
        {
            "type": "io.nats.jetstream.advisory.v1.max_deliver",
            "id": uuid.uuid4().hex,
            "timestamp": "2024-01-01T00:00:00Z",
            "stream": stream,
            "consumer": consumer,
            "stream_seq": stream_seq,
            "deliveries": deliveries,
        }
    ).encode()


def spawn_stage(stack: DevStack, name: str, replica: str) -> tuple[subprocess.Popen[bytes], int]:
    """One more `redub serve <name>` process with the stack's environment; (process, its
    metrics port). It logs to `<state>/logs/<name>-<replica>.log`."""
    port = free_port()
    env = {**stack.env(), "REDUB_METRICS_PORT": str(port)}
    logs = stack.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{name}-{replica}.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "redub.cli.main", "serve", name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return proc, port


def wait_for_log(path: Path, text: str, timeout: float = 30) -> None:
    """Wait until `text` appears in the log file at `path`."""
    deadline = time.monotonic() + timeout
    while not (path.exists() and text in path.read_text(errors="replace")):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.1)


def blob_refs(value: Any) -> Iterator[dict[str, Any]]:
    """Every blob reference (a dict with key, size and sha256) inside an event payload."""
    if isinstance(value, dict):
        if {"key", "size", "sha256"} <= value.keys():
            yield value
        for v in value.values():
            yield from blob_refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from blob_refs(v)


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
