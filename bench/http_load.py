"""A lean HTTP/1.1 load generator: keep-alive connections, one request in flight on each.

The gateway benchmark runs its client on the same two cores as the server; a full HTTP client
(httpx) spends more CPU per request than the route under test, so this one parses no more
than a status line, headers and a `Content-Length` body, like `wrk` or `oha` would."""

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit


class BadResponse(RuntimeError):
    """A response other than 200, or one this client cannot frame."""


@dataclass(frozen=True, slots=True)
class Load:
    """Every request's latency (seconds) and the wall time they took together."""

    latencies: list[float]
    elapsed_s: float


async def _connection(
    host: str, port: int, paths: Sequence[str], headers: bytes, deadline: float, out: list[float]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (start := time.perf_counter()) < deadline:
            path = random.choice(paths)
            writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + headers)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length = _frame(head)
            body = await reader.readexactly(length)
            if status != 200:
                raise BadResponse(f"{status} from {path}: {body[:200]!r}")
            out.append(time.perf_counter() - start)
    finally:
        writer.close()


def _frame(head: bytes) -> tuple[int, int]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value)
    raise BadResponse(f"a response without Content-Length: {head[:200]!r}")


async def run_load(
    base_url: str,
    paths: Sequence[str],
    *,
    concurrency: int,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> Load:
    """`concurrency` connections asking for random `paths` of `base_url` for `seconds`."""
    url = urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    lines = [f"Host: {url.netloc}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(
        *(_connection(host, port, paths, raw, deadline, latencies) for _ in range(concurrency))
    )
    return Load(latencies, time.perf_counter() - began)
