"""The event store on PostgreSQL: the three asyncpg adapters over one pool."""

import asyncpg

from libs.events.postgres_job_views import PostgresJobViews
from libs.events.postgres_log import PostgresLog
from libs.events.postgres_outbox import PostgresOutbox
from libs.events.store import EventStore


class PostgresEventStore(EventStore):
    """An `EventStore` on one pool (which the gateway also uses for `uploads`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(
            PostgresLog(pool), PostgresOutbox(pool), PostgresJobViews(pool), on_close=pool.close
        )
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, min_size: int = 1, max_size: int = 10) -> "PostgresEventStore":
        """Open a pool against `dsn`."""
        return cls(await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size))
