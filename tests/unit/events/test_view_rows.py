"""The view tables' rows as the upsert receives them."""

import json

from libs.events.job_view import ArtifactView, TaskView
from libs.events.memory_store import MemoryEventStore
from libs.events.view_changes import ViewChanges
from libs.events.view_rows import COLUMNS, views_document
from tests.support.builders import dub, new_job, step, transcript


def test_row_models_have_exactly_their_tables_columns() -> None:
    # The document spreads a model's fields into a row; a field the table lacks (or the
    # reverse) would be dropped or written as NULL without a word from PostgreSQL.
    assert set(TaskView.model_fields) == set(COLUMNS["job_tasks"]) - {"job_id"}
    assert set(ArtifactView.model_fields) == set(COLUMNS["artifacts"]) - {"job_id"}


async def test_document_holds_only_the_changed_rows() -> None:
    store = MemoryEventStore()
    commit = new_job(("fr", "de"))
    job = commit.job_id
    await store.append([commit, step(job, transcript(("fr", "de"))), step(job, dub("fr"))])
    view = await store.load_view(job)
    assert view is not None
    changed = {job: ViewChanges(languages={"de"}, artifacts=set())}
    doc = json.loads(views_document([view], changed))
    assert [r["language"] for r in doc["tasks"]] == ["de"] and doc["artifacts"] == []
    assert doc["jobs"][0]["view"] == json.loads(view.model_dump_json())
    everything = json.loads(views_document([view]))
    assert sorted(r["language"] for r in everything["tasks"]) == ["de", "fr"]
    assert {r["kind"] for r in everything["artifacts"]} == {
        "mix",
        "voice",
        "srt",
        "vtt",
        "manifest",
    }
    assert all(set(r) == set(COLUMNS["artifacts"]) for r in everything["artifacts"])
