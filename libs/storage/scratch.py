"""Scratch files for work in progress, in one folder per process (no folder per task)."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="redub-scratch-"))


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
