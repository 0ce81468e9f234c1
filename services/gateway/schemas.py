"""Request and response bodies of the REST API."""

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
