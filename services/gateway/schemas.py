"""Request and response bodies of the REST API."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class UploadOut(BaseModel):
    """A stored stem, ready to be named in a job."""

    upload_id: UUID
    size: int
    sha256: str
    content_type: str
    duration_s: float


class JobRequest(BaseModel):
    """`POST /v1/jobs`."""

    model_config = ConfigDict(extra="forbid")
    voice_upload_id: UUID
    background_upload_id: UUID
    target_languages: list[str] = Field(min_length=1, max_length=10)
    source_language: str = "en"
    # Speak with a premium voice (ElevenLabs) where the server offers one.
    premium_voice: bool = False


# Job responses: the public shape of a job, mapped from the read model by
# `services.gateway.job_out.job_out`. They name no read-model type, so the stored view can
# change (fields added, renamed, split) without changing what clients see.

JobStatusOut = Literal["submitted", "transcribed", "completed", "failed"]
TaskStatusOut = Literal["pending", "translated", "synthesized", "dubbed", "failed"]


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
