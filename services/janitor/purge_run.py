"""One purge by hand (`redub janitor purge`): the jobs due, stale uploads, stale scratch.

The jobs' part is the scheduled sweep's (one deletion request per job and round, however
many janitors run), then each request this run appended is handled here at once, under
the janitor stage's own handled key, so the stage takes the published request as done.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from libs.events.catalogue import ArtifactsPurged, DeletionRequested
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.job_view import JobView
from libs.events.retention import finished_at, purgeable
from libs.events.store import EventStore
from libs.storage.blob_store import BlobStore
from libs.storage.keys import is_upload_key, job_prefix
from services.janitor.handler import Janitor, purge_job
from services.janitor.scratch_sweep import ScratchResult, sweep_scratch
from services.janitor.stem_ledger import StaleUpload, StemLedger
from services.janitor.sweep import sweep


@dataclass(frozen=True, slots=True)
class JobPurge:
    """One job of a purge: what went (or, in a dry run, would go)."""

    job_id: UUID
    finished_at: datetime | None
    retention_hours: float
    objects: int
    bytes: int
    # "purged", "would purge", or "skipped" (another janitor holds this round's request).
    outcome: str


@dataclass(slots=True)
class PurgeReport:
    """Everything one run did or would do, and the events it appended (to publish)."""

    dry_run: bool
    jobs: list[JobPurge] = field(default_factory=list)
    uploads: list[StaleUpload] = field(default_factory=list)
    scratch: ScratchResult = field(default_factory=lambda: ScratchResult(0, 0))
    appended: list[RecordedEvent] = field(default_factory=list)

    @property
    def job_objects(self) -> int:
        """Objects of the jobs (purged or due)."""
        return sum(j.objects for j in self.jobs if j.outcome != "skipped")

    @property
    def job_bytes(self) -> int:
        """Bytes of the jobs (purged or due)."""
        return sum(j.bytes for j in self.jobs if j.outcome != "skipped")


@dataclass(frozen=True, slots=True)
class PurgeLimits:
    """How old what is purged must be; `older_than` overrides each job's retention."""

    upload_retention: timedelta
    scratch_retention: timedelta
    older_than: timedelta | None = None


async def run_purge(
    store: EventStore,
    blobs: BlobStore,
    stems: StemLedger,
    now: datetime,
    limits: PurgeLimits,
    scratch_root: Path | None,
    dry_run: bool = False,
) -> PurgeReport:
    """Purge (or with `dry_run`, list) the jobs due, stale uploads and scratch files."""
    report = PurgeReport(dry_run)
    swept = await sweep(store.views, store.jobs, now, dry_run, limits.older_than)
    if dry_run:
        report.jobs = [await _preview(blobs, stems, v) for v in swept.due]
    else:
        report.appended.extend(swept.requested)
        views = {v.job_id: v for v in swept.due}
        mine = {e.job_id for e in swept.requested}
        for request in swept.requested:
            if not isinstance(request.payload, DeletionRequested):
                continue
            done = await _purge_requested(store, blobs, stems, request)
            report.appended.extend(done or ())
            purged = done[0].payload if done else None
            report.jobs.append(_row(views[request.job_id], purged))
        report.jobs += [_row(v, None) for v in swept.due if v.job_id not in mine]
    unused_before = now - limits.upload_retention
    report.uploads = await (
        stems.stale(unused_before) if dry_run else stems.purge_stale(unused_before, blobs.delete)
    )
    report.scratch = sweep_scratch(scratch_root, limits.scratch_retention.total_seconds(), dry_run)
    return report


async def _purge_requested(
    store: EventStore, blobs: BlobStore, stems: StemLedger, request: RecordedEvent
) -> list[RecordedEvent] | None:
    """Handle one deletion request as the janitor stage would; None when it had been."""
    assert isinstance(request.payload, DeletionRequested)  # run_purge passes only those
    # The stage runner's key for (janitor, this request, its one work item ""): the stage
    # finds it handled when the published request reaches it.
    key = HandledKey(Janitor.name, f"{request.event_id}:")
    if (await store.precheck([], [key])).handled:
        return None
    out = await purge_job(blobs, stems, request.job_id, request.payload)
    [appended] = await store.append([Commit(request.job_id, [request.caused(out)], handled=key)])
    return appended


def _row(view: JobView, purged: object) -> JobPurge:
    if isinstance(purged, ArtifactsPurged):
        n, size, outcome = len(purged.keys), purged.bytes, "purged"
    else:
        n, size, outcome = 0, 0, "skipped"
    return JobPurge(view.job_id, finished_at(view), view.retention_hours, n, size, outcome)


async def _preview(blobs: BlobStore, stems: StemLedger, view: JobView) -> JobPurge:
    known = purgeable(view)
    kept = await stems.needed_elsewhere(view.job_id, [k for k in known if is_upload_key(k)])
    sizes = {k: v for k, v in known.items() if k not in kept}
    sizes |= {
        o.key: o.size for o in await blobs.list(job_prefix(view.job_id)) if o.key not in sizes
    }
    return JobPurge(
        view.job_id,
        finished_at(view),
        view.retention_hours,
        len(sizes),
        sum(sizes.values()),
        "would purge",
    )
