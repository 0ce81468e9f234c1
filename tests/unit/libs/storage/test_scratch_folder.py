from pathlib import Path

import pytest

from libs.storage.scratch import scratch_folder, use_scratch_root


def test_a_scratch_folder_is_unique_and_removed_with_its_content(tmp_path: Path) -> None:
    use_scratch_root(tmp_path / "scratch")
    try:
        with scratch_folder("mix") as one, scratch_folder("mix") as two:
            assert one != two and one.is_dir() and two.is_dir()
            (one / "lines").mkdir()
            (one / "lines" / "line-1.wav").write_bytes(b"x")
        assert not one.exists() and not two.exists()

        with pytest.raises(RuntimeError), scratch_folder("mix") as three:
            (three / "half-written.wav").write_bytes(b"x")
            raise RuntimeError("failed mid-way")
        assert not three.exists()
    finally:
        use_scratch_root(None)
