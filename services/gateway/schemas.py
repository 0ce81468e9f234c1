"""Request and response bodies of the REST API."""

import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _printable(text: str) -> str:
    # NUL and other control or unassigned characters have no business in a name or a term
    # (PostgreSQL's jsonb refuses NUL outright): refused here, as the client's mistake.
    if any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in text):
        raise ValueError("must not contain control or invisible characters")
    return text


Text = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_printable)]
LanguageCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", max_length=12),
    Field(description="An ISO 639 language code, e.g. `es` or `pt-BR`."),
]


class ErrorBody(BaseModel):
    """What went wrong: a code to branch on and a sentence a person can act on."""

    code: str
    message: str
    details: object | None = None


class ErrorOut(BaseModel):
    """Every error the API sends has this shape."""

    error: ErrorBody


class UploadOut(BaseModel):
    """A stored stem, ready to be named in a job."""

    upload_id: UUID
    size: int
    sha256: str
    content_type: str
    duration_s: float


class JobOptionsIn(BaseModel):
    """What the client may choose for a job."""

    model_config = ConfigDict(extra="forbid")
    premium_voice: bool = Field(
        False, description="Use the premium voice provider (ElevenLabs) where configured."
    )
    loudness_target_lufs: float | None = Field(
        None,
        ge=-36.0,
        le=-10.0,
        description="Integrated loudness of the mix, LUFS (EBU R128); the server's default "
        "(-23) when absent.",
    )
    captions: bool = Field(True, description="Publish SRT and WebVTT captions.")
    glossary: dict[Text, Text] = Field(
        default_factory=dict,
        max_length=500,
        description="Term -> how it must read in every target language (itself to keep it).",
    )
    voice_map: dict[Text, Text] = Field(
        default_factory=dict,
        max_length=50,
        description="Speaker label -> voice id, overriding the automatic casting. Each id must "
        "be a voice of the provider that speaks every target language (with `premium_voice`, "
        "the premium one where it speaks it); otherwise the job is refused with 422 "
        "`unknown_voice`, whose `details` name each bad entry and the voices it may use.",
    )


class JobRequest(BaseModel):
    """`POST /v1/jobs`."""

    model_config = ConfigDict(extra="forbid")
    voice_upload_id: UUID
    background_upload_id: UUID
    target_languages: list[LanguageCode] = Field(min_length=1, max_length=10)
    source_language: LanguageCode = "en"
    options: JobOptionsIn = Field(default_factory=JobOptionsIn)
    retention_hours: float | None = Field(
        default=None,
        gt=0,
        description="Hours after the job finishes before its files are deleted; within the "
        "operator's limits (REDUB_RETENTION_MIN_HOURS..REDUB_RETENTION_MAX_HOURS). "
        "Default: the operator's REDUB_RETENTION_HOURS.",
    )


# Job responses: the public shape of a job, mapped from the read model by
# `services.gateway.job_out.job_out`. They name no read-model type, so the stored view can
# change (fields added, renamed, split) without changing what clients see.

JobStatusOut = Literal["submitted", "transcribed", "completed", "failed", "cancelled"]
TaskStatusOut = Literal["pending", "translated", "synthesized", "dubbed", "failed", "cancelled"]


class StemOut(BaseModel):
    """An uploaded stem the job dubs (the same facts `POST /v1/uploads` answered)."""

    upload_id: UUID
    size: int
    sha256: str
    content_type: str
    duration_s: float


class FailureOut(BaseModel):
    """Why a stage gave up, for one language or for the whole job."""

    stage: str
    language: str | None = None
    reason: str
    attempts: int | None = None
    at: datetime


class TaskOut(BaseModel):
    """Progress of one target language, with a timestamp per stage."""

    language: str
    status: TaskStatusOut
    translated_at: datetime | None = None
    synthesized_at: datetime | None = None
    mixed_at: datetime | None = None
    failed_at: datetime | None = None
    failure_stage: str | None = None
    failure_reason: str | None = None


class ArtifactOut(BaseModel):
    """A published output of one language, and where to download it."""

    language: str | None
    kind: str
    file: str = Field(description="The artifact's file name, as the language's manifest names it.")
    size: int
    sha256: str
    content_type: str
    created_at: datetime
    purged_at: datetime | None = None
    download_url: str | None = Field(
        description="Path of the download (relative to the API's base URL); "
        "null once the artifact was deleted."
    )


class JobOut(BaseModel):
    """A job as clients see it: its status, per-language progress and artifacts."""

    job_id: UUID
    status: JobStatusOut
    source_language: str
    target_languages: list[str]
    voice: StemOut
    background: StemOut
    retention_hours: float
    created_at: datetime
    updated_at: datetime
    transcribed_at: datetime | None = None
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    expires_at: datetime | None = Field(
        None,
        description="When the artifacts become due for deletion "
        "(the job's end plus its retention); null while the job runs.",
    )
    purged_at: datetime | None = Field(None, description="When the artifacts were deleted.")
    failure: FailureOut | None = None
    failures: list[FailureOut] = []
    tasks: dict[str, TaskOut]
    artifacts: list[ArtifactOut] = []
    options: JobOptionsIn
    usage: list["UsageOut"] = Field(
        default_factory=list, description="Provider work done so far, priced from the list."
    )


class UsageOut(BaseModel):
    """One priced line of provider work (what billing exports)."""

    stage: str
    language: str | None
    vendor: str
    model: str | None
    unit: str
    quantity: float
    amount: str = Field(description="Decimal amount, as a string to keep every digit.")
    currency: str


class JobPage(BaseModel):
    """A page of the caller's jobs, newest first."""

    jobs: list[JobOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class JobEventOut(BaseModel):
    """One step of a job's progress (`GET /v1/jobs/{job_id}/events`)."""

    seq: int = Field(description="Position in the job's stream; the SSE `id`.")
    type: str
    occurred_at: datetime
    language: str | None = None
    stage: str | None = None
    reason: str | None = None
    status: JobStatusOut = Field(description="The job's status after this event.")


class LanguagePairOut(BaseModel):
    """A translation direction."""

    source: str
    target: str


class SpeechToTextLanguagesOut(BaseModel):
    """The configured speech-to-text provider and the languages it hears."""

    provider: str
    model: str | None
    languages: list[str] | None = Field(description="null: the provider takes any language")


class TranslationLanguagesOut(BaseModel):
    """The configured translator and the directions it translates."""

    provider: str
    model: str | None
    pairs: list[LanguagePairOut] | None = Field(description="null: it takes any pair")


class TextToSpeechLanguagesOut(BaseModel):
    """The configured speech synthesizer and the languages it has voices for."""

    provider: str
    model: str | None
    languages: list[str]


class LanguagesOut(BaseModel):
    """`GET /v1/languages`: what a job may ask for with the providers configured."""

    source_languages: list[str]
    target_languages: dict[str, list[str]] = Field(
        description="For each source language, the target languages a job may name."
    )
    speech_to_text: SpeechToTextLanguagesOut
    translation: TranslationLanguagesOut
    text_to_speech: TextToSpeechLanguagesOut
