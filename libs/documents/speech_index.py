"""The index of a language's synthesized clips, stored next to them as `speech.json`."""

from typing import Literal

from pydantic import BaseModel

from libs.events.catalogue import BlobRef


class ClipEntry(BaseModel):
    """One spoken line and the original line's timing it should fit."""

    index: int
    start: float
    end: float
    duration_s: float
    blob: BlobRef
    speaker: str | None = None
    # The provider's voice that spoke the line (for the manifest).
    voice: str | None = None
    # The words spoken when they differ from the translation's line (shortened to fit).
    text: str | None = None


class SpeechIndex(BaseModel):
    """Every clip of one language, and the translation they speak."""

    # The stored document's schema, as for the transcript.
    schema_version: Literal[1] = 1
    language: str
    translation: BlobRef
    clips: list[ClipEntry]
