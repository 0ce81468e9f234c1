"""The public shape of a job, mapped from its read model.

A pure function: what a client sees is chosen here, field by field, so the read model can
grow or change without changing the API. Internals stay behind: the view's version and
log position, blob keys, the owner's user id and the retention sweep's bookkeeping.
"""

from datetime import timedelta
from uuid import UUID

from libs.events.catalogue import Stem
from libs.events.job_view import ArtifactView, Failure, JobView, TaskView, UsageLine
from services.gateway.schemas import (
    ArtifactOut,
    FailureOut,
    JobOptionsIn,
    JobOut,
    StemOut,
    TaskOut,
    UsageOut,
)


def job_out(view: JobView) -> JobOut:
    """What `GET /v1/jobs/{job_id}` and `POST /v1/jobs` answer for a job's view."""
    finished = view.completed_at or view.failed_at or view.cancelled_at
    return JobOut(
        job_id=view.job_id,
        status=view.status,
        source_language=view.source_language,
        target_languages=list(view.target_languages),
        voice=_stem(view.voice),
        background=_stem(view.background),
        retention_hours=view.retention_hours,
        created_at=view.created_at,
        updated_at=view.updated_at,
        transcribed_at=view.transcribed_at,
        completed_at=view.completed_at,
        failed_at=view.failed_at,
        cancelled_at=view.cancelled_at,
        expires_at=finished + timedelta(hours=view.retention_hours) if finished else None,
        purged_at=view.purged_at,
        failure=_failure(view.failure) if view.failure else None,
        failures=[_failure(f) for f in view.failures],
        tasks={lang: _task(t) for lang, t in view.tasks.items()},
        artifacts=[_artifact(view.job_id, a) for a in view.artifacts],
        options=JobOptionsIn.model_validate(view.options.model_dump()),
        usage=[_usage(u) for u in view.usage],
    )


def _usage(line: UsageLine) -> UsageOut:
    u = line.usage
    return UsageOut(
        stage=line.step,
        language=line.language,
        vendor=u.vendor,
        model=u.model,
        unit=u.unit,
        quantity=float(u.quantity),
        amount=str(u.amount),
        currency=u.currency,
    )


def artifact_url(job_id: UUID, language: str, kind: str) -> str:
    """The path an artifact is downloaded from."""
    return f"/v1/jobs/{job_id}/artifacts/{language}/{kind}"


def _stem(stem: Stem) -> StemOut:
    return StemOut(
        upload_id=stem.upload_id,
        size=stem.blob.size,
        sha256=stem.blob.sha256,
        content_type=stem.blob.content_type,
        duration_s=stem.duration_s,
    )


def _failure(f: Failure) -> FailureOut:
    return FailureOut(
        stage=f.stage, language=f.language, reason=f.reason, attempts=f.attempts, at=f.at
    )


def _task(t: TaskView) -> TaskOut:
    return TaskOut(
        language=t.language,
        status=t.status,
        translated_at=t.translated_at,
        synthesized_at=t.synthesized_at,
        mixed_at=t.mixed_at,
        failed_at=t.failed_at,
        failure_stage=t.failure_stage,
        failure_reason=t.failure_reason,
    )


def _artifact(job_id: UUID, a: ArtifactView) -> ArtifactOut:
    return ArtifactOut(
        language=a.language,
        kind=a.kind,
        file=a.key.rsplit("/", 1)[-1],
        size=a.size,
        sha256=a.sha256,
        content_type=a.content_type,
        created_at=a.created_at,
        purged_at=a.purged_at,
        download_url=artifact_url(job_id, a.language, a.kind)
        if a.language is not None and a.purged_at is None
        else None,
    )
