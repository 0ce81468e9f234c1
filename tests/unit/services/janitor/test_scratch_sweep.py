"""Stale scratch files: old files in the processes' scratch folders go, nothing else."""

import os
import time
from pathlib import Path

from services.janitor.scratch_sweep import sweep_scratch


def _file(path: Path, size: int, age_s: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"z" * size)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_old_scratch_files_go_fresh_ones_and_other_folders_stay(tmp_path: Path) -> None:
    old = _file(tmp_path / "redub-scratch-a" / "1-voice.wav", 100, 7200)
    nested = _file(tmp_path / "redub-scratch-a" / "sub" / "x.wav", 50, 7200)
    fresh = _file(tmp_path / "redub-scratch-b" / "2-voice.wav", 10, 10)
    foreign = _file(tmp_path / "somebody-else" / "old.wav", 10, 7200)

    dry = sweep_scratch(tmp_path, 3600, dry_run=True)
    assert (dry.files, dry.bytes) == (2, 150) and old.exists()

    done = sweep_scratch(tmp_path, 3600)
    assert (done.files, done.bytes) == (2, 150)
    assert not old.exists() and not nested.exists()
    assert fresh.exists() and foreign.exists()
    assert (tmp_path / "redub-scratch-a").is_dir(), "a live process keeps its folder"
    assert sweep_scratch(tmp_path, 3600).files == 0


def test_a_missing_root_is_nothing_to_do(tmp_path: Path) -> None:
    assert sweep_scratch(tmp_path / "absent", 1).files == 0
