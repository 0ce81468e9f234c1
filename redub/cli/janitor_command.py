"""`redub janitor purge [--older-than 48h] [--dry-run]`: one purge by hand, with totals."""

import re
from datetime import timedelta

from rich.console import Console
from rich.table import Table

from libs.config.settings import Settings
from libs.events.envelope import utcnow
from libs.events.relay import publish_committed
from redub.runtime.connections import connect
from services.janitor.postgres_stem_ledger import PostgresStemLedger
from services.janitor.purge_run import PurgeLimits, PurgeReport, run_purge

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> timedelta:
    """'48h', '30m', '2d', '1.5h', '90s' (or plain hours) as a duration; ValueError else."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text.lower())
    if m is None:
        raise ValueError(f"{text!r} is not a duration such as 48h, 30m or 2d")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2) or "h"])


async def run_janitor(settings: Settings, dry_run: bool, older_than: timedelta | None) -> None:
    """Purge (or list, with `dry_run`) what is due and print it with totals."""
    conns = await connect(settings, pool_size=2)
    try:
        store = conns.store
        limits = PurgeLimits(
            upload_retention=timedelta(hours=settings.upload_retention_hours),
            scratch_retention=timedelta(hours=settings.scratch_retention_hours),
            older_than=older_than,
        )
        report = await run_purge(
            store,
            conns.blobs,
            PostgresStemLedger(store.pool),
            utcnow(),
            limits,
            settings.scratch_dir,
            dry_run,
        )
        await publish_committed(store.outbox, conns.bus, report.appended)
    finally:
        await conns.close()
    print_report(report, older_than, Console(width=140))


def print_report(report: PurgeReport, older_than: timedelta | None, console: Console) -> None:
    """The jobs and uploads as tables, then the totals."""
    verb = "would delete" if report.dry_run else "deleted"
    rule = f"finished over {older_than} ago" if older_than else "past their retention"
    jobs = Table(title=f"Jobs {rule}")
    for col in ("job", "finished", "retention h", "objects", "bytes", "outcome"):
        jobs.add_column(col, justify="right" if col in ("objects", "bytes") else "left")
    for j in report.jobs:
        finished = j.finished_at.strftime("%Y-%m-%d %H:%M") if j.finished_at else "-"
        jobs.add_row(
            str(j.job_id),
            finished,
            f"{j.retention_hours:g}",
            str(j.objects),
            f"{j.bytes:,}",
            j.outcome,
        )
    console.print(jobs)
    if report.uploads:
        uploads = Table(title="Uploads no live job needs")
        for col in ("upload", "created", "used by a job", "bytes"):
            uploads.add_column(col)
        for u in report.uploads:
            created = u.created_at.strftime("%Y-%m-%d %H:%M")
            uploads.add_row(str(u.upload_id), created, "yes" if u.used else "no", f"{u.size:,}")
        console.print(uploads)
    purged = [j for j in report.jobs if j.outcome != "skipped"]
    skipped = len(report.jobs) - len(purged)
    upload_bytes = sum(u.size for u in report.uploads)
    console.print(
        f"Totals ({verb}): {len(purged)} job(s), {report.job_objects} object(s), "
        f"{report.job_bytes:,} bytes; {len(report.uploads)} upload(s), {upload_bytes:,} bytes; "
        f"{report.scratch.files} scratch file(s), {report.scratch.bytes:,} bytes"
        + (f"; {skipped} job(s) left to another janitor" if skipped else ""),
        soft_wrap=True,
    )
