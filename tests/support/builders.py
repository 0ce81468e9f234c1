"""Builders of realistic events and commits for tests (no I/O)."""

import hashlib
from collections.abc import Sequence
from uuid import UUID, uuid4

from libs.events.catalogue import (
    Artifact,
    BlobRef,
    DubReady,
    JobSubmitted,
    Payload,
    SpeechReady,
    Stem,
    TranscriptReady,
    TranslationReady,
)
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import NewEvent, RecordedEvent, utcnow

USER = UUID("00000000-0000-4000-8000-000000000001")


def blob(key: str, size: int = 100) -> BlobRef:
    """A blob reference whose hash is derived from its key."""
    return BlobRef(
        key=key,
        size=size,
        sha256=hashlib.sha256(key.encode()).hexdigest(),
        content_type="application/octet-stream",
    )


def submitted(
    languages: Sequence[str] = ("fr", "de"), user_id: UUID = USER, retention_hours: float = 48
) -> JobSubmitted:
    """A `job.submitted` payload."""
    return JobSubmitted(
        user_id=user_id,
        source_language="en",
        target_languages=list(languages),
        voice=Stem(upload_id=uuid4(), blob=blob("uploads/v"), duration_s=3.0),
        background=Stem(upload_id=uuid4(), blob=blob("uploads/b"), duration_s=3.0),
        retention_hours=retention_hours,
    )


def new_job(languages: Sequence[str] = ("fr", "de"), retention_hours: float = 48) -> Commit:
    """A commit that starts a new job."""
    job_id = uuid4()
    payload = submitted(languages, retention_hours=retention_hours)
    event = NewEvent(job_id=job_id, payload=payload, correlation_id=job_id, user_id=USER)
    return Commit(job_id, [event], expected_version=0)


def step(
    job_id: UUID,
    payload: Payload,
    consumer: str | None = None,
    key: str | None = None,
    expected_version: int | None = None,
) -> Commit:
    """A commit of one payload, idempotent under (consumer, key) when given."""
    event = NewEvent(job_id=job_id, payload=payload, correlation_id=job_id, user_id=USER)
    handled = HandledKey(consumer, key) if consumer and key else None
    return Commit(job_id, [event], expected_version=expected_version, handled=handled)


def transcript(languages: Sequence[str] = ("fr", "de")) -> TranscriptReady:
    """A `transcript.ready` payload."""
    return TranscriptReady(
        transcript=blob("t.json"),
        segments=2,
        duration_s=3.0,
        target_languages=list(languages),
        provider="instant",
    )


def translation(lang: str) -> TranslationReady:
    """A `translation.ready` payload."""
    return TranslationReady(
        language=lang, translation=blob(f"{lang}/tr.json"), segments=2, provider="pseudo"
    )


def speech(lang: str) -> SpeechReady:
    """A `speech.ready` payload."""
    return SpeechReady(
        language=lang,
        speech=blob(f"{lang}/speech.json"),
        clips=2,
        duration_s=2.0,
        provider="instant",
    )


def dub(lang: str) -> DubReady:
    """A `dub.ready` payload with all five artifacts."""
    kinds = ("mix", "voice", "srt", "vtt", "manifest")
    return DubReady(
        language=lang, artifacts=[Artifact(kind=k, blob=blob(f"{lang}/{k}")) for k in kinds]
    )


def recorded(
    payload: Payload, job_id: UUID | None = None, position: int = 1, seq: int = 1
) -> RecordedEvent:
    """An event as the log would hold it, caused by nothing in particular."""
    job = job_id or uuid4()
    now = utcnow()
    return RecordedEvent(
        position=position,
        event_id=uuid4(),
        job_id=job,
        seq=seq,
        payload=payload,
        correlation_id=job,
        causation_id=uuid4(),
        user_id=USER,
        occurred_at=now,
        recorded_at=now,
    )
