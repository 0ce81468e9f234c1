"""The stem ledger contract on PostgreSQL (the `uploads` table and the `jobs` views)."""

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from libs.events.postgres_store import PostgresEventStore
from services.janitor.postgres_stem_ledger import PostgresStemLedger
from tests.support.builders import USER
from tests.support.stem_ledger_contract import LedgerWorld, StemLedgerContract


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[LedgerWorld]:
    store = await PostgresEventStore.connect(database_url, max_size=4)

    async def add_upload(key: str, age_h: float) -> UUID:
        upload_id = uuid4()
        await store.pool.execute(
            "INSERT INTO uploads (upload_id, user_id, key, size, sha256, content_type,"
            " duration_s, created_at) VALUES ($1, $2, $3, 10, $4, 'audio/wav', 1.0,"
            " now() - make_interval(secs => $5))",
            upload_id,
            USER,
            key,
            "0" * 64,
            age_h * 3600,
        )
        return upload_id

    yield LedgerWorld(store, PostgresStemLedger(store.pool), add_upload)
    await store.close()


class TestPostgresStemLedger(StemLedgerContract):
    pass
