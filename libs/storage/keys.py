"""Where each object lives: one prefix per job, so purging a job is one prefix."""

from uuid import UUID


def job_prefix(job_id: UUID) -> str:
    """Every object a job's stages write."""
    return f"jobs/{job_id}/"


UPLOADS_PREFIX = "uploads/"


def upload_key(user_id: UUID, upload_id: UUID) -> str:
    """An uploaded stem."""
    return f"{UPLOADS_PREFIX}{user_id}/{upload_id}"


def is_upload_key(key: str) -> bool:
    """Whether `key` is an uploaded stem (which several jobs may name), not a job's own."""
    return key.startswith(UPLOADS_PREFIX)


def transcript_key(job_id: UUID) -> str:
    """The source-language transcript."""
    return f"{job_prefix(job_id)}transcript.json"


def language_key(job_id: UUID, language: str, name: str) -> str:
    """An object of one target language."""
    return f"{job_prefix(job_id)}{language}/{name}"


def attempt_prefix(job_id: UUID, stage: str, token: str) -> str:
    """Every object one attempt of one stage's work item writes: keys no other attempt uses,
    so a duplicate or late worker never rewrites a blob a committed event names."""
    return f"{job_prefix(job_id)}{stage}/{token}/"
