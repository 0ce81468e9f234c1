"""The `jobs` rows as the upsert and the rebuild's COPY receive them."""

import json
from datetime import timedelta

from libs.events.catalogue import StageFailed
from libs.events.memory_store import MemoryEventStore
from libs.events.retention import purge_due_at
from libs.events.view_rows import COLUMNS, view_columns, views_document
from tests.support.builders import new_job, step


async def test_upsert_document_and_copy_columns_hold_the_same_row() -> None:
    store = MemoryEventStore()
    commit = new_job(("fr", "de"))
    failed = StageFailed(stage="transcriber", reason="x", attempts=1)
    await store.append([commit, step(commit.job_id, failed)])
    view = await store.load_view(commit.job_id)
    assert view is not None and view.failed_at is not None
    [row] = json.loads(views_document([view]))
    assert list(row) == COLUMNS
    assert row["view"] == json.loads(view.model_dump_json())
    assert row["completed_at"] is not None, "a failed job's finish counts as its completion"
    due = purge_due_at(view)
    assert due == view.failed_at + timedelta(hours=48)
    columns = view_columns([view])
    assert dict(zip(COLUMNS, (c[0] for c in columns), strict=True))["purge_due_at"] == due
