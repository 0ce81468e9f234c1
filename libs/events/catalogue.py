"""The event catalogue: every event type, its payload and its schema version.

Payloads carry object keys, sizes and hashes of blobs, never media or transcript text,
so purging blobs leaves a billing-complete, content-free log.
"""

from decimal import Decimal
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Payload(BaseModel):
    """Base of every event payload; `type` and `version` name its schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    type: ClassVar[str]
    version: ClassVar[int] = 1


class BlobRef(BaseModel):
    """A stored object: where it is and what it is, never its content."""

    model_config = ConfigDict(frozen=True)
    key: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: str


class Stem(BaseModel):
    """An uploaded stem a job refers to."""

    model_config = ConfigDict(frozen=True)
    upload_id: UUID
    blob: BlobRef
    duration_s: float = Field(ge=0)


class Usage(BaseModel):
    """What a provider was paid (or would be) for one piece of work."""

    model_config = ConfigDict(frozen=True)
    vendor: str
    unit: Literal["audio_seconds", "characters", "requests"]
    quantity: float = Field(ge=0)
    cost_usd: Decimal = Decimal(0)


class Artifact(BaseModel):
    """One published output of a language."""

    model_config = ConfigDict(frozen=True)
    kind: Literal["mix", "voice", "srt", "vtt", "manifest"]
    blob: BlobRef


class JobBrief(BaseModel):
    """What later stages need of the submission (fixed at submission, so it travels forward
    in each stage's event and no stage reads the job's view)."""

    model_config = ConfigDict(frozen=True)
    job_id: UUID
    source_language: str
    background: Stem


class JobSubmitted(Payload):
    type: ClassVar[str] = "job.submitted"
    user_id: UUID | None
    source_language: str
    target_languages: list[str] = Field(min_length=1)
    voice: Stem
    background: Stem
    retention_hours: float = Field(gt=0)


class TranscriptReady(Payload):
    version: ClassVar[int] = 2
    type: ClassVar[str] = "transcript.ready"
    transcript: BlobRef
    segments: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    target_languages: list[str]
    provider: str
    usage: Usage | None = None
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class TranslationReady(Payload):
    version: ClassVar[int] = 2
    type: ClassVar[str] = "translation.ready"
    language: str
    translation: BlobRef
    segments: int = Field(ge=0)
    provider: str
    usage: Usage | None = None
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class SpeechReady(Payload):
    version: ClassVar[int] = 2
    type: ClassVar[str] = "speech.ready"
    language: str
    speech: BlobRef
    clips: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    provider: str
    usage: Usage | None = None
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class DubReady(Payload):
    type: ClassVar[str] = "dub.ready"
    language: str
    artifacts: list[Artifact]


class JobCompleted(Payload):
    type: ClassVar[str] = "job.completed"
    languages: list[str]
    failed_languages: list[str] = []


class StageFailed(Payload):
    type: ClassVar[str] = "stage.failed"
    stage: str
    language: str | None = None
    reason: str
    attempts: int = Field(ge=1)


class LanguageFailed(Payload):
    type: ClassVar[str] = "language.failed"
    language: str
    stage: str
    reason: str


class JobFailed(Payload):
    type: ClassVar[str] = "job.failed"
    stage: str
    reason: str


class DeletionRequested(Payload):
    type: ClassVar[str] = "deletion.requested"
    version: ClassVar[int] = 2
    reason: Literal["retention", "user"]
    requested_by: UUID | None = None
    # Version 2: every stored object the job's events named and not yet purged when the
    # request was made (the stems, the published artifacts), key -> bytes, so the janitor
    # needs no view; None on version-1 events.
    known: dict[str, int] | None = None


class ArtifactsPurged(Payload):
    type: ClassVar[str] = "artifacts.purged"
    keys: list[str]
    bytes: int = Field(ge=0)


CATALOGUE: dict[str, type[Payload]] = {
    cls.type: cls
    for cls in (
        JobSubmitted,
        TranscriptReady,
        TranslationReady,
        SpeechReady,
        DubReady,
        JobCompleted,
        StageFailed,
        LanguageFailed,
        JobFailed,
        DeletionRequested,
        ArtifactsPurged,
    )
}
