"""The store contract on the in-memory backend."""

import pytest

from libs.events.memory_store import MemoryEventStore
from tests.support.store_contract import StoreContract


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> MemoryEventStore:
        return MemoryEventStore()
