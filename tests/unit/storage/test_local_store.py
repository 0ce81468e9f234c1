"""The embedded blob store: hashes, atomic writes, keys that cannot escape its folder."""

import hashlib
from pathlib import Path

import pytest

from libs.storage.local_store import InvalidKey, LocalBlobStore
from libs.storage.scratch import scratch_files


def test_put_and_read_back_with_size_and_hash(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "src.bin"
    source.write_bytes(b"x" * 3_000_000)
    ref = store.put_file("jobs/j/fr/mix.wav", source, "audio/wav")
    assert (ref.size, ref.sha256) == (3_000_000, hashlib.sha256(source.read_bytes()).hexdigest())
    assert store.read_bytes("jobs/j/fr/mix.wav") == source.read_bytes()
    small = store.put_bytes("jobs/j/t.json", b"{}", "application/json")
    assert small.sha256 == hashlib.sha256(b"{}").hexdigest()
    assert [o.key for o in store.list("jobs/j/")] == ["jobs/j/fr/mix.wav", "jobs/j/t.json"]
    assert store.delete("jobs/j/t.json") == 2 and store.delete("jobs/j/t.json") == 0


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(FileNotFoundError):
        store.put_file("a/b.wav", tmp_path / "missing.wav", "audio/wav")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_missing_objects_and_folders_are_not_objects(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put_bytes("jobs/j/fr/captions.srt", b"1", "application/x-subrip")
    for key in ("jobs/j/fr/none.srt", "jobs/j/fr", "jobs/j/fr/captions.srt/x"):
        with pytest.raises(KeyError):
            store.read_bytes(key)
        with pytest.raises(KeyError):
            store.local_path(key)


def test_scratch_names_never_repeat() -> None:
    with scratch_files("a.wav") as [first], scratch_files("a.wav") as [second]:
        assert first != second and first.parent == second.parent


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b"])
def test_keys_cannot_escape_the_folder(tmp_path: Path, key: str) -> None:
    with pytest.raises(InvalidKey):
        LocalBlobStore(tmp_path).put_bytes(key, b"x", "text/plain")


def test_scratch_files_are_removed_even_on_error() -> None:
    with pytest.raises(RuntimeError), scratch_files("a.wav", "b.wav") as paths:
        for p in paths:
            p.write_bytes(b"1")
        raise RuntimeError
    assert not any(p.exists() for p in paths)


def test_move_file_renames_or_copies_across_filesystems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    store = LocalBlobStore(tmp_path / "blobs")
    source = tmp_path / "a.wav"
    source.write_bytes(b"a" * 10)
    ref = store.move_file("jobs/j/fr/a.wav", source, "audio/wav")
    assert not source.exists() and store.read_bytes(ref.key) == b"a" * 10

    # Scratch on another filesystem (rename fails with EXDEV): copied, then removed.
    real_replace = os.replace

    def cross_device(src: str, dst: str) -> None:
        if ".part-" not in os.fspath(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    other = tmp_path / "b.wav"
    other.write_bytes(b"b" * 10)
    ref = store.move_file("jobs/j/fr/b.wav", other, "audio/wav")
    assert not other.exists() and store.read_bytes(ref.key) == b"b" * 10
    assert ref.sha256 == hashlib.sha256(b"b" * 10).hexdigest()
