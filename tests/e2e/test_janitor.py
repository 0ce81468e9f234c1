"""The janitor in the running system: a delete-now request handled within seconds, and
stems two jobs share kept until the second one is purged too."""

import asyncio
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from libs.config.settings import Settings
from libs.events.catalogue import DeletionRequested
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.relay import publish_committed
from libs.events.retention import purgeable
from redub.runtime.connections import connect
from redub.runtime.dev_stack import DevStack
from tests.support.api import INSTANT, client, event_counts, submit, upload, wait_finished
from tests.support.builders import USER
from tests.support.media import silent_voice_and_bed


async def _delete_now(settings: Settings, database_url: str, job_id: str) -> None:
    """What the gateway's delete-now does: append the request and publish it."""
    conns = await connect(settings.model_copy(update={"database_url": database_url}), 2)
    try:
        view = await conns.store.load_view(UUID(job_id))
        assert view is not None
        request = NewEvent(
            job_id=view.job_id,
            payload=DeletionRequested(reason="user", requested_by=USER, known=purgeable(view)),
            correlation_id=view.job_id,
            user_id=USER,
        )
        [recorded] = await conns.store.append([Commit(view.job_id, [request])])
        assert recorded is not None
        assert await publish_committed(conns.store.outbox, conns.bus, recorded)
    finally:
        await conns.close()


def _wait_purged(c: httpx.Client, job_id: str, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while (view := c.get(f"/v1/jobs/{job_id}").json())["purged_at"] is None:
        assert time.monotonic() < deadline, f"job {job_id} not purged within {within} s"
        time.sleep(0.1)
    return dict(view)


def test_delete_now_is_quick_and_shared_stems_go_with_the_last_job(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    voice, bed = silent_voice_and_bed(tmp_path, 2.0)
    root = stack.settings.blob_root
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        v, b = upload(c, voice), upload(c, bed)
        first, second = (submit(c, v, b, ["fr"])["job_id"] for _ in range(2))
        for job in (first, second):
            assert wait_finished(c, job)["status"] == "completed"
        stems = [p for p in (root / "uploads").rglob("*") if p.is_file()]
        assert len(stems) == 2

        asked = time.monotonic()
        asyncio.run(_delete_now(stack.settings, database_url, first))
        view = _wait_purged(c, first, within=5)
        assert time.monotonic() - asked < 5
        assert all(a["purged_at"] for a in view["artifacts"])
        assert not any(p.is_file() for p in (root / "jobs" / first).rglob("*"))
        assert all(p.is_file() for p in stems), "the second job still names them"
        assert c.get(f"/v1/jobs/{second}/artifacts/fr/mix").status_code in (200, 307)

        asyncio.run(_delete_now(stack.settings, database_url, second))
        _wait_purged(c, second, within=5)
        assert not any(p.is_file() for p in stems), "the last job's purge takes them"
    for job in (first, second):
        counts = event_counts(database_url, job)
        assert counts[("deletion.requested", None)] == counts[("artifacts.purged", None)] == 1
