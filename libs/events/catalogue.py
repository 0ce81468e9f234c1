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


UsageUnit = Literal["audio_seconds", "characters", "input_tokens", "output_tokens", "requests"]


class Usage(BaseModel):
    """One priced line of provider work: how much of what, at which list price.

    `amount` is `quantity x unit_price` as priced when the work was done, from the price
    table named by `price_table` (a version stamp), so billing replays the log and never
    re-prices history. Offline providers record their quantity at a zero price.
    """

    model_config = ConfigDict(frozen=True)
    vendor: str
    model: str | None = None
    unit: UsageUnit
    quantity: Decimal = Field(ge=0)
    unit_price: Decimal = Field(default=Decimal(0), ge=0)
    amount: Decimal = Field(default=Decimal(0), ge=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    price_table: str | None = None


ArtifactKind = Literal[
    "mix",  # the dubbed programme, 48 kHz WAV
    "mix_aac",  # the same, AAC in .m4a
    "voice",  # the dubbed voice stem at its gain in the mix, 48 kHz WAV
    "voice_aac",  # the same, AAC in .m4a
    "srt",  # captions of the dubbed language, from the aligned timing
    "vtt",
    "manifest",  # JSON: every artifact, per-line timing and loudness, providers
    "timeline_png",  # source lines against dubbed lines, with the mix's loudness
    "timeline_svg",
    "transcript",  # the source transcript JSON (segments, speakers, word timings)
    "source_srt",  # captions of the source language
    "source_vtt",
    "translation",  # JSON: segment ids, source and target text
]


class Artifact(BaseModel):
    """One published output of a language."""

    model_config = ConfigDict(frozen=True)
    kind: ArtifactKind
    blob: BlobRef


class JobBrief(BaseModel):
    """What later stages need of the submission (fixed at submission, so it travels forward
    in each stage's event and no stage reads the job's view)."""

    model_config = ConfigDict(frozen=True)
    job_id: UUID
    source_language: str
    background: Stem
    # The job asked for a premium voice (ElevenLabs) where one is configured.
    premium_voice: bool = False


class JobSubmitted(Payload):
    # Version 2: `premium_voice` (version-1 jobs did not ask for one).
    version: ClassVar[int] = 2
    type: ClassVar[str] = "job.submitted"
    user_id: UUID | None
    source_language: str
    target_languages: list[str] = Field(min_length=1)
    voice: Stem
    background: Stem
    retention_hours: float = Field(gt=0)
    premium_voice: bool = False


class TranscriptReady(Payload):
    version: ClassVar[int] = 3
    type: ClassVar[str] = "transcript.ready"
    transcript: BlobRef
    segments: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    target_languages: list[str]
    provider: str
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = []
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class TranslationReady(Payload):
    version: ClassVar[int] = 3
    type: ClassVar[str] = "translation.ready"
    language: str
    translation: BlobRef
    segments: int = Field(ge=0)
    provider: str
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = []
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class SpeechReady(Payload):
    version: ClassVar[int] = 3
    type: ClassVar[str] = "speech.ready"
    language: str
    speech: BlobRef
    clips: int = Field(ge=0)
    duration_s: float = Field(ge=0)
    provider: str
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = []
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = None


class DubReady(Payload):
    # Version 2: more artifact kinds (AAC, timeline, the words); a version-1 build naks them.
    version: ClassVar[int] = 2
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
