"""The bus contract on the in-memory backend."""

import pytest

from libs.events.memory_bus import MemoryBus
from tests.support.bus_contract import BusContract


class TestMemoryBus(BusContract):
    ack_wait_s = 0.2

    @pytest.fixture
    def bus(self) -> MemoryBus:
        return MemoryBus()
