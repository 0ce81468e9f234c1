"""`redub janitor purge`: its duration argument and its report."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from rich.console import Console

from redub.cli.janitor_command import parse_age, print_report
from services.janitor.purge_run import JobPurge, PurgeReport
from services.janitor.scratch_sweep import ScratchResult


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("48h", timedelta(hours=48)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("1.5h", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
        ("1w", timedelta(weeks=1)),
        ("12", timedelta(hours=12)),
    ],
)
def test_ages(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["", "h", "-1h", "48 hours", "1y"])
def test_bad_ages_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_age(text)


def test_report_lists_jobs_and_totals_without_the_skipped() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    report = PurgeReport(
        dry_run=False,
        jobs=[
            JobPurge(uuid4(), at, 48, 3, 1500, "purged"),
            JobPurge(uuid4(), at, 48, 2, 1000, "purged"),
            JobPurge(uuid4(), at, 48, 0, 0, "skipped"),
        ],
        scratch=ScratchResult(4, 400),
    )
    console = Console(width=140, record=True)
    print_report(report, None, console)
    text = console.export_text()
    assert "Jobs past their retention" in text and "2026-01-02 03:04" in text
    assert (
        "Totals (deleted): 2 job(s), 5 object(s), 2,500 bytes; 0 upload(s), 0 bytes; "
        "4 scratch file(s), 400 bytes; 1 job(s) left to another janitor"
    ) in text
