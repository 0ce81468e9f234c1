"""A transcript: timed segments of recognised speech, stored as a JSON blob."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Word(BaseModel):
    """One recognised word and when it was said (seconds from the start of the audio)."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class Segment(BaseModel):
    """One timed piece of speech (seconds from the start of the audio)."""

    model_config = ConfigDict(frozen=True)

    index: int = Field(ge=0)
    start: float = Field(ge=0.0)
    end: float = Field(ge=0.0)
    text: str
    # Who spoke it, as the provider labels speakers (diarization); None when it cannot tell.
    speaker: str | None = None
    words: list[Word] = []
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    # Median pitch of the voice in this segment (Hz), for casting a voice of like pitch;
    # None when not measured or not voiced. Optional, so version 2 readers still read it.
    pitch_hz: float | None = Field(default=None, gt=0.0)

    @model_validator(mode="after")
    def _end_not_before_start(self) -> "Segment":
        if self.end < self.start:
            raise ValueError(
                f"segment {self.index} ends ({self.end}) before it starts ({self.start})"
            )
        return self

    @property
    def duration(self) -> float:
        """Length of the segment in seconds."""
        return self.end - self.start


class Transcript(BaseModel):
    """Everything recognised in one audio file, in order (a translation is one too)."""

    model_config = ConfigDict(frozen=True)

    # The stored document's schema: a reader refuses a version it does not know rather than
    # misread it (blobs written before the field existed are version 1; version 2 added
    # speakers, words and confidence, all optional, so version 1 still reads).
    schema_version: Literal[1, 2] = 2
    language: str
    duration_s: float = Field(ge=0.0)
    segments: list[Segment]
    # Who made the document, by step: {"stt": ...} on a transcript, plus {"translator": ...}
    # on a translation, so the manifest can name them (empty in documents written before).
    providers: dict[str, str] = {}

    def to_json(self) -> str:
        """Serialise to the JSON stored as a blob."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> "Transcript":
        """Parse a blob written by `to_json`; raises pydantic.ValidationError if malformed."""
        return cls.model_validate_json(data)
