import hashlib
from pathlib import Path

import pytest

from libs.transcription.whisper_model import (
    PACKAGED_MODEL_SHA256,
    ModelIntegrityError,
    WhisperModelFiles,
    file_sha256,
    is_english_only,
    model_files,
    packaged_model,
    verify_model,
)


def fake_model(folder: Path) -> dict[str, str]:
    folder.mkdir()
    sums = {}
    for name, content in (("model.bin", b"weights"), ("config.json", b"{}")):
        (folder / name).write_bytes(content)
        sums[name] = hashlib.sha256(content).hexdigest()
    return sums


def test_files_matching_their_pinned_sums_pass(tmp_path: Path) -> None:
    sums = fake_model(tmp_path / "m")
    verify_model(WhisperModelFiles(tmp_path / "m", sums, "m"))
    assert file_sha256(tmp_path / "m" / "model.bin") == sums["model.bin"]


def test_a_changed_file_is_refused_naming_it(tmp_path: Path) -> None:
    sums = fake_model(tmp_path / "m")
    (tmp_path / "m" / "model.bin").write_bytes(b"weights, tampered")
    with pytest.raises(ModelIntegrityError, match=r"model\.bin has sha256 .* expected"):
        verify_model(WhisperModelFiles(tmp_path / "m", sums, "m"))


def test_a_pinned_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    sums = fake_model(tmp_path / "m")
    with pytest.raises(ModelIntegrityError, match=r"tokenizer\.json is missing"):
        verify_model(WhisperModelFiles(tmp_path / "m", {**sums, "tokenizer.json": "0" * 64}, "m"))


def test_a_folder_without_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelIntegrityError, match="not a CTranslate2 Whisper model"):
        verify_model(model_files(tmp_path / "empty", {}))


def test_the_packaged_model_is_found_and_pinned() -> None:
    files = packaged_model()
    assert files.sha256 is PACKAGED_MODEL_SHA256
    assert set(PACKAGED_MODEL_SHA256) == {p.name for p in files.folder.iterdir()}
    assert model_files(None, {}) == files
    assert is_english_only(files.folder)


def test_multilingual_vocabularies_are_recognised(tmp_path: Path) -> None:
    (tmp_path / "vocabulary.txt").write_text("t\n" * 51865)
    assert not is_english_only(tmp_path)
