"""Paid results whose store write met an outage of our storage, kept by this process: the
runner tries the handler again in this process once the store is back, and that try stores
them instead of paying the vendor again. Lost with the process (paid again at worst)."""

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Unstored(Generic[T]):
    """Results by key, at most `limit` of them: the oldest are dropped (`dropped` is told, to
    remove a kept file), so a long outage costs bounded memory and disk."""

    def __init__(self, limit: int = 1000, dropped: Callable[[T], None] | None = None) -> None:
        self.limit = limit
        self._dropped = dropped
        self._kept: OrderedDict[str, T] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    def keep(self, key: str, value: T) -> None:
        """Keep `value` under `key` (replacing what was kept there)."""
        old = self._kept.pop(key, None)
        if old is not None and old is not value and self._dropped is not None:
            self._dropped(old)
        self._kept[key] = value
        while len(self._kept) > self.limit:
            _, oldest = self._kept.popitem(last=False)
            if self._dropped is not None:
                self._dropped(oldest)

    def take(self, key: str) -> T | None:
        """What is kept under `key`, no longer kept (keep it again if storing it fails)."""
        return self._kept.pop(key, None)

    def peek(self, key: str) -> T | None:
        """What is kept under `key`, still kept."""
        return self._kept.get(key)
