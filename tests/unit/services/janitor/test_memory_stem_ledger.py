"""The stem ledger contract on the in-memory adapter."""

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from libs.events.envelope import utcnow
from libs.events.memory_log import MemoryLog
from libs.events.memory_store import MemoryEventStore
from services.janitor.memory_stem_ledger import MemoryStemLedger, MemoryUpload
from tests.support.stem_ledger_contract import LedgerWorld, StemLedgerContract


@pytest.fixture
def world() -> LedgerWorld:
    store = MemoryEventStore()
    assert isinstance(store.log, MemoryLog)
    ledger = MemoryStemLedger(store.log)

    async def add_upload(key: str, age_h: float) -> UUID:
        upload_id = uuid4()
        created = utcnow() - timedelta(hours=age_h)
        ledger.uploads[upload_id] = MemoryUpload(upload_id, key, 10, created)
        return upload_id

    return LedgerWorld(store, ledger, add_upload)


class TestMemoryStemLedger(StemLedgerContract):
    pass
