"""`redub janitor [--dry-run]`: one retention sweep from the command line."""

from libs.config.settings import Settings
from libs.events.envelope import utcnow
from libs.events.relay import publish_committed
from redub.runtime.connections import connect
from services.janitor.sweep import sweep


async def run_janitor(settings: Settings, dry_run: bool) -> None:
    """List (and unless `dry_run`, request deletion of) every job past retention."""
    conns = await connect(settings, pool_size=2)
    try:
        store = conns.store
        result = await sweep(store.views, store.jobs, utcnow(), dry_run=dry_run)
        for view in result.due:
            size = sum(a.size for a in view.artifacts if a.purged_at is None)
            print(
                f"{'would purge' if dry_run else 'purging'} job {view.job_id}: "
                f"{len(view.artifacts)} artifacts, {size} bytes"
            )
        await publish_committed(store.outbox, conns.bus, result.requested)
        print(
            f"{len(result.due)} job(s) past retention"
            + ("" if dry_run else f", {len(result.requested)} deletion request(s) appended")
        )
    finally:
        await conns.close()
