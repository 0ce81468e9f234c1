"""`redub replay`: drop and rebuild the progress views from job_events."""

import os

import asyncpg

from libs.config.settings import Settings
from libs.events.rebuild import rebuild_views

REPLAY_MAX_WORKERS = 4


async def run_replay(settings: Settings) -> None:
    """Rebuild the views and print the throughput."""
    # Replacing the view tables takes their owner; the services' role may not do it.
    owner = settings.owner_database_url or settings.database_url
    if not owner:
        raise SystemExit("redub: set REDUB_OWNER_DATABASE_URL (or DATABASE_URL)")
    pool = await asyncpg.create_pool(owner, min_size=1, max_size=2)
    try:
        # Jobs split over the machine's cores, one process and connection each.
        workers = min(REPLAY_MAX_WORKERS, os.cpu_count() or 1)
        result = await rebuild_views(pool, dsn=owner, workers=workers)
    finally:
        await pool.close()
    print(
        f"replayed {result.events} events into {result.jobs} job views in "
        f"{result.seconds:.2f} s ({result.events_per_s:,.0f} events/s)"
    )
