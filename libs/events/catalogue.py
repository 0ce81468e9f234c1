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
    key: str = Field(description="Object key in the blob store (e.g. `jobs/<job>/<lang>/mix.wav`).")
    size: int = Field(ge=0, description="Size of the object in bytes.")
    sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the object's bytes, lowercase hex."
    )
    content_type: str = Field(description="MIME type of the object (e.g. `audio/wav`).")


class Stem(BaseModel):
    """An uploaded stem a job refers to."""

    model_config = ConfigDict(frozen=True)
    upload_id: UUID = Field(description="The upload the stem came from.")
    blob: BlobRef = Field(description="The stored stem.")
    duration_s: float = Field(ge=0, description="Decoded duration of the stem, seconds.")


UsageUnit = Literal["audio_seconds", "characters", "input_tokens", "output_tokens", "requests"]


class Usage(BaseModel):
    """One priced line of provider work: how much of what, at which list price.

    `amount` is `quantity x unit_price` as priced when the work was done, from the price
    table named by `price_table` (a version stamp), so billing replays the log and never
    re-prices history. Offline providers record their quantity at a zero price.
    """

    model_config = ConfigDict(frozen=True)
    vendor: str = Field(
        description="Who did the work (e.g. `deepgram`, `openai`, `elevenlabs`; offline providers name themselves)."
    )
    model: str | None = Field(
        default=None, description="The vendor's model or voice product, if it has one."
    )
    unit: UsageUnit = Field(
        description="What `quantity` counts: `audio_seconds` (seconds of audio processed), `characters` (characters of text sent), `input_tokens` / `output_tokens` (LLM tokens in and out), `requests` (calls)."
    )
    quantity: Decimal = Field(ge=0, description="How many units were used (exact decimal).")
    unit_price: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="List price of one unit, in `currency`, from `price_table` (0 when unpriced).",
    )
    amount: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="`quantity x unit_price`, the line's cost in `currency` when the work was done.",
    )
    currency: str = Field(
        default="USD",
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code of `unit_price` and `amount`.",
    )
    price_table: str | None = Field(
        default=None,
        description="Version stamp of the price table that priced the line; null when unpriced.",
    )


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
    kind: ArtifactKind = Field(
        description="What the output is: `mix` the dubbed programme, `voice` the dubbed voice stem (each 48 kHz WAV, `*_aac` the same in .m4a), `srt`/`vtt` captions of the dubbed language, `source_*` of the source, `manifest` every output with timing and loudness, `timeline_*` an image of source against dubbed lines, `transcript`/`translation` the texts as JSON."
    )
    blob: BlobRef = Field(description="The stored output.")


class JobOptions(BaseModel):
    """What the client chose for a job beyond its stems and languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    premium_voice: bool = Field(
        default=False,
        description="A vendor's premium voices (ElevenLabs) where configured; otherwise the "
        "default voices.",
    )
    loudness_target_lufs: float | None = Field(
        default=None,
        ge=-36.0,
        le=-10.0,
        description="Integrated loudness of the mix, LUFS (EBU R128 / ITU-R BS.1770); null: "
        "the operator's default (REDUB_MIX_LOUDNESS_LUFS, -23).",
    )
    captions: bool = Field(default=True, description="Whether captions are published.")
    glossary: dict[str, str] = Field(
        default={},
        description="Term -> how it must read in every target language (the term itself "
        "keeps it as is).",
    )
    voice_map: dict[str, str] = Field(
        default={},
        description="Speaker label -> the provider's voice id, overriding automatic casting.",
    )


class JobBrief(BaseModel):
    """What later stages need of the submission (fixed at submission, so it travels forward
    in each stage's event and no stage reads the job's view)."""

    model_config = ConfigDict(frozen=True)
    job_id: UUID = Field(description="The job.")
    source_language: str = Field(description="Language of the source speech (BCP 47, e.g. `en`).")
    background: Stem = Field(description="The background stem the mix lays the dubbed voice over.")
    options: JobOptions = Field(default=JobOptions(), description="The client's choices.")
    voice: Stem | None = Field(
        default=None,
        description="The original voice stem, for matching each dubbed line's level to the "
        "line it replaces (null in briefs written before it was carried).",
    )
    transcript: BlobRef | None = Field(
        default=None, description="The source transcript, set by the transcriber."
    )


class JobSubmitted(Payload):
    """A user asked for a programme to be dubbed; the first event of every job."""

    # Version 2: the client's options (version 1 had none: the defaults).
    version: ClassVar[int] = 2
    type: ClassVar[str] = "job.submitted"
    user_id: UUID | None = Field(
        description="The submitting user; null for jobs submitted without one."
    )
    source_language: str = Field(description="Language of the source speech (BCP 47).")
    target_languages: list[str] = Field(
        min_length=1, description="Languages to dub into, each a task of its own."
    )
    voice: Stem = Field(description="The uploaded voice (dialogue) stem.")
    background: Stem = Field(description="The uploaded background stem (music and effects).")
    retention_hours: float = Field(
        gt=0, description="Hours after the job finishes before its blobs are purged."
    )
    options: JobOptions = Field(
        default=JobOptions(), description="The client's choices (loudness, captions, glossary...)."
    )


class TranscriptReady(Payload):
    """The source speech was transcribed; translation of every language can start."""

    version: ClassVar[int] = 3
    type: ClassVar[str] = "transcript.ready"
    transcript: BlobRef = Field(
        description="The stored transcript JSON (segments, speakers, word timings)."
    )
    segments: int = Field(ge=0, description="Number of transcript segments.")
    duration_s: float = Field(ge=0, description="Duration of the transcribed audio, seconds.")
    target_languages: list[str] = Field(
        description="The languages to translate into (from the submission)."
    )
    provider: str = Field(description="The transcription provider that did the work.")
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = Field(default=[], description="Priced usage lines of the transcription.")
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = Field(
        default=None, description="The submission's facts later stages need."
    )


class TranslationReady(Payload):
    """One language's translation is stored; its speech can be synthesised."""

    version: ClassVar[int] = 3
    type: ClassVar[str] = "translation.ready"
    language: str = Field(description="The target language translated into.")
    translation: BlobRef = Field(description="The stored translation JSON.")
    segments: int = Field(ge=0, description="Number of translated segments.")
    provider: str = Field(description="The translation provider that did the work.")
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = Field(default=[], description="Priced usage lines of the translation.")
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = Field(
        default=None, description="The submission's facts later stages need."
    )


class SpeechReady(Payload):
    """One language's dubbed speech is synthesised; it can be mixed."""

    version: ClassVar[int] = 3
    type: ClassVar[str] = "speech.ready"
    language: str = Field(description="The target language synthesised.")
    speech: BlobRef = Field(description="The stored speech index (one clip per line).")
    clips: int = Field(ge=0, description="Number of synthesised clips.")
    duration_s: float = Field(ge=0, description="Total duration of the clips, seconds.")
    provider: str = Field(description="The speech provider that did the work.")
    # Version 3: a list of priced lines (version 2 held at most one, unpriced).
    usage: list[Usage] = Field(default=[], description="Priced usage lines of the synthesis.")
    # Version 2: the submission's facts travel forward (None on version-1 events).
    brief: JobBrief | None = Field(
        default=None, description="The submission's facts later stages need."
    )


class DubReady(Payload):
    """One language is dubbed: its mix, stems and captions are published."""

    # Version 2: more artifact kinds (AAC, timeline, the words); a version-1 build naks them.
    version: ClassVar[int] = 2
    type: ClassVar[str] = "dub.ready"
    language: str = Field(description="The target language dubbed.")
    artifacts: list[Artifact] = Field(description="Every published output of the language.")


class JobCompleted(Payload):
    """Every language finished, at least one dubbed."""

    type: ClassVar[str] = "job.completed"
    languages: list[str] = Field(description="Languages that were dubbed.")
    failed_languages: list[str] = Field(
        default=[],
        description="Languages that failed (the job completes if any language succeeded).",
    )


class StageFailed(Payload):
    """A stage gave up on a work item after its attempts (a permanent fault or too many)."""

    type: ClassVar[str] = "stage.failed"
    stage: str = Field(description="The stage that failed (e.g. `transcriber`, `translator`).")
    language: str | None = Field(
        default=None, description="The language of the failed work item; null for job-wide stages."
    )
    reason: str = Field(description="Why, in a sentence a person can act on.")
    attempts: int = Field(ge=1, description="Attempts made before giving up.")


class LanguageFailed(Payload):
    """One language will not be dubbed; the job goes on with the others."""

    type: ClassVar[str] = "language.failed"
    language: str = Field(description="The language given up on.")
    stage: str = Field(description="The stage that failed it.")
    reason: str = Field(description="Why, in a sentence a person can act on.")


class JobFailed(Payload):
    """The job as a whole failed (e.g. its transcription, or every language)."""

    type: ClassVar[str] = "job.failed"
    stage: str = Field(description="The stage that failed the job.")
    reason: str = Field(description="Why, in a sentence a person can act on.")


class JobCancelled(Payload):
    """The client stopped the job: work not yet started is skipped; finished languages stay."""

    type: ClassVar[str] = "job.cancelled"
    requested_by: UUID | None = Field(default=None, description="The user who cancelled.")


class DeletionRequested(Payload):
    """The job's blobs are to be purged (retention ran out or the user asked)."""

    type: ClassVar[str] = "deletion.requested"
    version: ClassVar[int] = 2
    reason: Literal["retention", "user"] = Field(
        description="`retention` (the janitor's sweep) or `user` (a delete-now request)."
    )
    requested_by: UUID | None = Field(
        default=None, description="The user who asked; null for retention."
    )
    # Version 2: every stored object the job's events named and not yet purged when the
    # request was made (the stems, the published artifacts), key -> bytes, so the janitor
    # needs no view; None on version-1 events.
    known: dict[str, int] | None = Field(
        default=None,
        description="Every stored object the job's events named and not yet purged, key -> bytes.",
    )


class ArtifactsPurged(Payload):
    """Blobs of the job were deleted; the events that named them stay."""

    type: ClassVar[str] = "artifacts.purged"
    keys: list[str] = Field(description="Object keys deleted.")
    bytes: int = Field(ge=0, description="Bytes deleted in total.")


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
        JobCancelled,
        DeletionRequested,
        ArtifactsPurged,
    )
}
