"""Scratch files for work in progress, in one folder per process (no folder per task)."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_root: Path | None = None


def use_scratch_root(root: Path | None) -> None:
    """Where this process's scratch folder goes (None: the system's temp folder)."""
    global _root
    _root = root
    _scratch_dir.cache_clear()


@lru_cache(maxsize=1)
def _scratch_dir() -> Path:
    if _root is not None:
        _root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="redub-scratch-", dir=_root))


@contextmanager
def scratch_files(*names: str) -> Iterator[list[Path]]:
    """Unique paths for `names` (e.g. "voice.wav"), removed on exit whatever happened."""
    token = uuid.uuid4().hex
    paths = [_scratch_dir() / f"{token}-{name}" for name in names]
    try:
        yield paths
    finally:
        for path in paths:
            path.unlink(missing_ok=True)
