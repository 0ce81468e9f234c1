"""The progress view of one job: a pure fold of its events.

`evolve` changes the view it is given (a fold over a million events should not copy a
view per event) and touches nothing else, so views are a function of the log alone.
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from libs.events.catalogue import (
    ArtifactsPurged,
    DeletionRequested,
    DubReady,
    JobCancelled,
    JobCompleted,
    JobFailed,
    JobOptions,
    JobSubmitted,
    LanguageFailed,
    SpeechReady,
    StageFailed,
    Stem,
    TranscriptReady,
    TranslationReady,
    Usage,
)
from libs.events.envelope import RecordedEvent

JobStatus = Literal["submitted", "transcribed", "completed", "failed", "cancelled"]
TaskStatus = Literal["pending", "translated", "synthesized", "dubbed", "failed", "cancelled"]
TERMINAL_JOB: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
TERMINAL_TASK: frozenset[str] = frozenset({"dubbed", "failed", "cancelled"})


class Failure(BaseModel):
    """Why a stage gave up."""

    stage: str
    language: str | None = None
    reason: str
    attempts: int | None = None
    at: datetime


class TaskView(BaseModel):
    """Progress of one target language, with a timestamp per stage."""

    language: str
    status: TaskStatus = "pending"
    translated_at: datetime | None = None
    synthesized_at: datetime | None = None
    mixed_at: datetime | None = None
    failed_at: datetime | None = None
    failure_stage: str | None = None
    failure_reason: str | None = None


class ArtifactView(BaseModel):
    """A published output, and whether its blob is still there."""

    key: str
    language: str | None
    kind: str
    size: int
    sha256: str
    content_type: str
    created_at: datetime
    purged_at: datetime | None = None


class UsageLine(BaseModel):
    """Provider work one step of the job did (what billing counts)."""

    step: Literal["transcription", "translation", "speech"]
    language: str | None = None
    usage: Usage


class JobView(BaseModel):
    """Everything the gateway shows about a job."""

    job_id: UUID
    user_id: UUID | None
    status: JobStatus
    source_language: str
    target_languages: list[str]
    voice: Stem
    background: Stem
    retention_hours: float
    created_at: datetime
    updated_at: datetime
    transcribed_at: datetime | None = None
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    cancelled_at: datetime | None = None
    deletion_requested_at: datetime | None = None
    deletion_requests: int = 0
    purged_at: datetime | None = None
    failure: Failure | None = None
    failures: list[Failure] = []
    tasks: dict[str, TaskView]
    artifacts: list[ArtifactView] = []
    options: JobOptions = JobOptions()
    usage: list[UsageLine] = []
    version: int
    position: int

    @property
    def terminal(self) -> bool:
        """Whether the job has finished, well or not."""
        return self.status in TERMINAL_JOB


class StreamError(ValueError):
    """An event that cannot start or continue a job's stream."""


def evolve(view: JobView | None, event: RecordedEvent) -> JobView:
    """Apply one event to a job's view; the first event must be `job.submitted`."""
    p = event.payload
    at = event.occurred_at
    if view is None:
        if not isinstance(p, JobSubmitted):
            raise StreamError(f"stream {event.job_id} starts with {p.type}, not job.submitted")
        return JobView(
            job_id=event.job_id,
            user_id=p.user_id,
            status="submitted",
            source_language=p.source_language,
            target_languages=list(p.target_languages),
            voice=p.voice,
            background=p.background,
            retention_hours=p.retention_hours,
            options=p.options,
            created_at=at,
            updated_at=at,
            tasks={lang: TaskView(language=lang) for lang in p.target_languages},
            version=event.seq,
            position=event.position,
        )
    if isinstance(p, TranscriptReady):
        view.status = "transcribed" if view.status == "submitted" else view.status
        view.transcribed_at = at
        view.usage.extend(UsageLine(step="transcription", usage=u) for u in p.usage)
    elif isinstance(p, TranslationReady):
        _advance(view, p.language, "translated").translated_at = at
        view.usage.extend(
            UsageLine(step="translation", language=p.language, usage=u) for u in p.usage
        )
    elif isinstance(p, SpeechReady):
        _advance(view, p.language, "synthesized").synthesized_at = at
        view.usage.extend(UsageLine(step="speech", language=p.language, usage=u) for u in p.usage)
    elif isinstance(p, DubReady):
        _advance(view, p.language, "dubbed").mixed_at = at
        view.artifacts.extend(
            ArtifactView(
                key=a.blob.key,
                language=p.language,
                kind=a.kind,
                size=a.blob.size,
                sha256=a.blob.sha256,
                content_type=a.blob.content_type,
                created_at=at,
            )
            for a in p.artifacts
        )
    elif isinstance(p, StageFailed):
        view.failures.append(
            Failure(stage=p.stage, language=p.language, reason=p.reason, attempts=p.attempts, at=at)
        )
    elif isinstance(p, LanguageFailed):
        task = view.tasks[p.language]
        task.status = "failed"
        task.failed_at = at
        task.failure_stage = p.stage
        task.failure_reason = p.reason
    elif isinstance(p, JobCompleted):
        view.status = "completed"
        view.completed_at = at
    elif isinstance(p, JobFailed):
        view.status = "failed"
        view.failed_at = at
        view.failure = Failure(stage=p.stage, reason=p.reason, at=at)
    elif isinstance(p, JobCancelled):
        view.status = "cancelled"
        view.cancelled_at = at
        for task in view.tasks.values():
            if task.status not in TERMINAL_TASK:
                task.status = "cancelled"
    elif isinstance(p, DeletionRequested):
        view.deletion_requested_at = at
        view.deletion_requests += 1
    elif isinstance(p, ArtifactsPurged):
        view.purged_at = at
        for artifact in view.artifacts:
            artifact.purged_at = artifact.purged_at or at
    view.updated_at = at
    view.version = event.seq
    view.position = event.position
    return view


def _advance(view: JobView, language: str, status: TaskStatus) -> TaskView:
    task = view.tasks.get(language)
    if task is None:
        raise StreamError(f"job {view.job_id} has no target language {language!r}")
    # A language that failed stays failed; one cancelled mid-step that finishes anyway is done.
    if task.status != "failed":
        task.status = status
    return task
