"""Word of published events' jobs on NATS: a plain (core) subscription to every event subject."""

from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from libs.events.bus import Changed
from libs.events.codec import job_of


class NatsJobChanges:
    """Hears every event published to `<prefix>.>` on the connection `nc`, by any process."""

    def __init__(self, nc: Client, sub: Subscription, forget: Callable[[], None]) -> None:
        self._nc = nc
        self._sub = sub
        self._forget = forget

    @classmethod
    async def start(
        cls, nc: Client, prefix: str, changed: Changed, forget: Callable[[], None]
    ) -> "NatsJobChanges":
        """Subscribe, and return once the server has the subscription (word from then on)."""

        async def heard(msg: Msg) -> None:
            job = job_of(msg.data)
            if job is not None:  # not an event: nothing a view is made of
                changed(job)

        # No client-side limit: nats-py drops what exceeds one (it tells only an error
        # callback), and a dropped word is a view served stale. `heard` does next to nothing;
        # a client that still falls behind is cut off by the server, and the reconnect
        # changes the epoch.
        sub = await nc.subscribe(
            f"{prefix}.>", cb=heard, pending_msgs_limit=0, pending_bytes_limit=0
        )
        await nc.flush()
        return cls(nc, sub, forget)

    def epoch(self) -> int | None:
        # Events published while disconnected are never heard: each reconnect is a new epoch.
        return int(self._nc.stats["reconnects"]) if self._nc.is_connected else None

    async def close(self) -> None:
        self._forget()
        if not self._nc.is_closed:
            await self._sub.unsubscribe()
