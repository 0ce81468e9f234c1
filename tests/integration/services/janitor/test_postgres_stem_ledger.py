"""The stem ledger contract on PostgreSQL (the `uploads` table and the `jobs` views)."""

import socket
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest

from libs.events.outage import is_our_outage
from libs.events.postgres_store import PostgresEventStore
from services.janitor.postgres_stem_ledger import LedgerUnavailable, PostgresStemLedger
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


async def test_an_unreachable_server_is_an_outage_the_runner_holds() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    pool = await asyncpg.create_pool(f"postgresql://x@127.0.0.1:{port}/db", min_size=0)
    ledger = PostgresStemLedger(pool)
    try:
        for call in (ledger.release, ledger.needed_elsewhere):
            with pytest.raises(LedgerUnavailable) as caught:
                await call(uuid4(), ["uploads/u/1"])
            assert is_our_outage(caught.value)
    finally:
        await pool.close()
