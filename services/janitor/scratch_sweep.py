"""Stale scratch files: what a stage killed mid-task left in its scratch folder."""

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Each process's scratch folder (libs/storage/scratch.py) starts with this.
SCRATCH_FOLDER_PREFIX = "redub-scratch-"


@dataclass(frozen=True, slots=True)
class ScratchResult:
    """Files past the scratch retention, and their bytes (deleted unless a dry run)."""

    files: int
    bytes: int


def sweep_scratch(root: Path | None, max_age_s: float, dry_run: bool = False) -> ScratchResult:
    """Delete files older than `max_age_s` in the processes' scratch folders under `root`
    (the system's temp folder when None); a file that goes meanwhile is not an error. A
    live task's files are minutes old, far below the age. Folders stay: a live process
    keeps writing into its own."""
    base = root if root is not None else Path(tempfile.gettempdir())
    cutoff = time.time() - max_age_s
    files = size = 0
    for folder in base.glob(f"{SCRATCH_FOLDER_PREFIX}*"):
        for entry in _files(folder):
            try:
                st = entry.stat()
                if st.st_mtime >= cutoff:
                    continue
                if not dry_run:
                    entry.unlink()
            except FileNotFoundError:
                continue
            files += 1
            size += st.st_size
    return ScratchResult(files, size)


def _files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.rglob("*") if p.is_file()]
    except FileNotFoundError:
        return []
