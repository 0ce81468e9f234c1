"""Word of published events' jobs on NATS: publishers name the jobs on a plain subject of
their own (`wire.word_subject`), and watchers subscribe to it."""

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from uuid import UUID

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg

from libs.events.bus import Changed

log = structlog.get_logger()


class NatsJobChanges:
    """Hears the jobs of every event published, by any process, on a connection of its own."""

    def __init__(self, nc: Client, subject: str, forget: Callable[[], None]) -> None:
        self._nc = nc
        self._subject = subject
        self._forget = forget
        self._refused = False
        # The connection (counted by reconnects) on which something was heard: a message
        # routed to us proves the server holds our subscription, which a reconnect renews.
        # Until then nothing counts as heard (a refusal may not even have been told yet).
        self._heard_on: int | None = None
        self._probed_on: int | None = None
        self._probes: set[asyncio.Task[None]] = set()

    @classmethod
    async def start(
        cls,
        nc: Client,
        subject: str,
        changed: Changed,
        forget: Callable[[], None],
        probe_timeout_s: float = 5.0,
    ) -> "NatsJobChanges":
        """Subscribe to `subject`; return once a probe sent to it came back (or the time is
        up: then no epoch until some word is heard)."""
        changes = cls(nc, subject, forget)

        async def heard(msg: Msg) -> None:
            changes._heard_on = changes._connection()
            for job in jobs_of(msg.data):
                changed(job)

        # No client-side limit: nats-py drops what exceeds one (it tells only an error
        # callback), and a dropped word is a view served stale. `heard` does next to nothing;
        # a client that still falls behind is cut off by the server, and the reconnect
        # changes the epoch.
        await nc.subscribe(subject, cb=heard, pending_msgs_limit=0, pending_bytes_limit=0)
        deadline = asyncio.get_running_loop().time() + probe_timeout_s
        while changes.epoch() is None and not changes._refused:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.01)
        return changes

    def _connection(self) -> int:
        return int(self._nc.stats["reconnects"])

    def _refusal_told(self) -> bool:
        # A refused subscription hears nothing, and nats-py only tells its error callback and
        # `last_error` (at start, or when it subscribes again after a reconnect).
        if not self._refused and _refuses(self._nc.last_error, self._subject):
            self._refused = True
            log.warning(
                "NATS refused the subscription to word of jobs: job bodies are not kept",
                subject=self._subject,
            )
        return self._refused

    def epoch(self) -> int | None:
        # Events published while disconnected are never heard: each reconnect is a new epoch,
        # which counts once something was heard on it (a probe of ours, if nothing else).
        if self._refusal_told() or not self._nc.is_connected:
            return None
        connection = self._connection()
        if self._heard_on == connection:
            return connection
        if self._probed_on != connection:
            self._probed_on = connection
            probe = asyncio.get_running_loop().create_task(self._probe())
            self._probes.add(probe)
            probe.add_done_callback(self._probes.discard)
        return None

    async def _probe(self) -> None:
        with contextlib.suppress(Exception):  # reconnecting again: the next epoch probes
            await self._nc.publish(self._subject, b"")  # names no job

    async def close(self) -> None:
        self._forget()
        if not self._nc.is_closed:
            await self._nc.close()


def _refuses(error: Exception | None, subject: str) -> bool:
    """Whether `error` is the server's refusal of a subscription to `subject`."""
    text = str(error).lower() if error is not None else ""
    return "permissions violation" in text and f'subscription to "{subject.lower()}"' in text


def job_words(jobs: Sequence[UUID]) -> bytes:
    """The message naming `jobs`: their ids, a line each."""
    return "\n".join(str(j) for j in jobs).encode()


def jobs_of(data: bytes) -> list[UUID]:
    """The jobs a message made by `job_words` names; lines that are no id are skipped."""
    jobs = []
    for line in data.split(b"\n"):
        try:
            jobs.append(UUID(line.decode("ascii")))
        except ValueError:  # UnicodeDecodeError is one
            continue
    return jobs
