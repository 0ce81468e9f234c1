"""Scratch files for work in progress, in one folder per process (no folder per task)."""

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

_root: Path | None = None
_tokens = itertools.count()


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
    # The folder is this process's own, so a counter makes names unique (no urandom read).
    folder = os.fspath(_scratch_dir())
    token = next(_tokens)
    paths = [f"{folder}/{token}-{name}" for name in names]
    try:
        yield [Path(p) for p in paths]
    finally:
        for path in paths:
            with contextlib.suppress(FileNotFoundError):  # moved into the store
                os.unlink(path)


def kept_scratch(source: Path, name: str) -> Path:
    """Move `source` to a unique path in the scratch folder that no block removes: whoever
    keeps it removes it (a result kept across tries; the janitor sweeps what a dead process
    left)."""
    kept = _scratch_dir() / f"{next(_tokens)}-kept-{name}"
    os.replace(source, kept)
    return kept


@contextmanager
def scratch_folder(name: str) -> Iterator[Path]:
    """A unique folder for work of many files, removed with its content on exit."""
    folder = _scratch_dir() / f"{next(_tokens)}-{name}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# A forked child gets its own folder: the counter alone would repeat the parent's names.
os.register_at_fork(after_in_child=_scratch_dir.cache_clear)
